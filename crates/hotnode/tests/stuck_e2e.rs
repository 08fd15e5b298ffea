//! Nothing stuck: an update that does not finish (a dispose handler that never settles, code
//! that never returns) is named, the next save restarts the app, and Ctrl-C ends it at once.

mod support;

use std::time::{Duration, Instant};

use support::{TempApp, hotnode};

const ESM: &str = r#"{ "type": "module" }"#;

fn app(name: &str, value: &str) -> TempApp {
    TempApp::new(
        name,
        &[
            ("package.json", ESM),
            (
                "main.js",
                "import { v } from './value.js';\nconsole.log(`OUT boot ${v}`);\nsetInterval(() => {}, 1000);\nimport.meta.hot.accept('./value.js', (m) => console.log(`OUT now ${m.v}`));\n",
            ),
            ("value.js", value),
        ],
    )
}

#[test]
fn a_dispose_handler_that_never_settles_is_named_and_the_next_save_restarts_the_app() {
    // Realistic: `server.close()` waiting on a client that holds its connection open.
    let hangs = "export const v = 1;\nimport.meta.hot.dispose(() => new Promise(() => {}));\n";
    let app = app("dispose-hangs", hangs);
    let mut run = hotnode(&app, &["main.js"]);
    run.expect("OUT boot 1");
    app.write("value.js", "export const v = 2;\n");
    run.expect_within(
        "the update of value.js has not finished, and nothing has moved for 5 s",
        Duration::from_secs(20),
    );
    app.write("value.js", "export const v = 3;\n");
    run.expect("restarting: value.js changed while the last update has not finished");
    run.expect("OUT boot 3");
    // And the app takes updates again.
    app.write("value.js", "export const v = 4;\n");
    run.expect("OUT now 4");
}

#[test]
fn code_that_never_returns_is_recovered_by_the_next_save_and_ctrl_c_ends_it_at_once() {
    let app = app("loops", "export const v = 1;\n");
    let mut run = hotnode(&app, &["main.js"]);
    run.expect("OUT boot 1");
    app.write("value.js", "while (true) {}\nexport const v = 2;\n");
    run.expect_within("the update of value.js has not finished", Duration::from_secs(20));
    app.write("value.js", "export const v = 3;\n");
    // The process cannot run its restart (its event loop is blocked): killed after the grace.
    run.expect_within("OUT boot 3", Duration::from_secs(30));

    app.write("value.js", "while (true) {}\nexport const v = 4;\n");
    std::thread::sleep(Duration::from_millis(500));
    let sent = Instant::now();
    run.signal_group(libc::SIGINT);
    assert_eq!(run.wait_exit(Duration::from_secs(10)), Some(130));
    let took = sent.elapsed();
    assert!(took < Duration::from_secs(3), "Ctrl-C took {took:?}");
}
