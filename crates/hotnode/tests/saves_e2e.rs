//! Every way an editor saves, and saves that race each other: after each save the app runs
//! exactly the saved content, no save is lost, and a half-written file is never evaluated.
//!
//! Each scenario repeats its saves `rounds(n)` times: `n` here, `n × HOTNODE_STRESS` for the
//! long variant (`HOTNODE_STRESS=20 cargo test --release --test saves_e2e`).

mod support;

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use support::{Running, TempApp, hotnode};

const ESM: &str = r#"{ "type": "module" }"#;
const MAIN: &str = "import \"./value.js\";\nsetInterval(() => {}, 1 << 30);\n";

fn rounds(n: usize) -> usize {
    let stress = std::env::var("HOTNODE_STRESS").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    n * stress.max(1)
}

/// A version of `value.js`: its name at the top and at the bottom, 64 KB of comment between,
/// so that any part of it short of the whole is a syntax error or prints two different names.
fn version(name: &str) -> String {
    let padding = format!("{}\n", "x".repeat(99)).repeat(640);
    format!(
        "const head = \"{name}\";\n/*\n{padding}*/\nconst tail = \"{name}\";\nconsole.log(`RAN ${{head}} ${{tail}};`);\nimport.meta.hot.accept();\n"
    )
}

fn ran(name: &str) -> String {
    format!("RAN {name} {name};")
}

fn app(name: &str) -> TempApp {
    TempApp::new(name, &[("package.json", ESM), ("main.js", MAIN), ("value.js", &version("v0"))])
}

/// A save in place: truncate, then the text in three writes with pauses, one open file.
fn save_in_place(path: &Path, text: &str) {
    let mut file = std::fs::File::create(path).unwrap();
    let third = text.len() / 3;
    for chunk in [&text[..third], &text[third..2 * third], &text[2 * third..]] {
        file.write_all(chunk.as_bytes()).unwrap();
        file.flush().unwrap();
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// An atomic save: a temp file beside it, renamed over it.
fn save_atomic(path: &Path, text: &str) {
    let temp = path.with_file_name(format!(".{}.tmp", path.file_name().unwrap().to_string_lossy()));
    std::fs::write(&temp, text).unwrap();
    std::fs::rename(&temp, path).unwrap();
}

/// vim's save: the original renamed away as a backup, a new file written, the backup deleted.
fn save_like_vim(path: &Path, text: &str) {
    let backup = path.with_file_name(format!("{}~", path.file_name().unwrap().to_string_lossy()));
    std::fs::rename(path, &backup).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::remove_file(&backup).unwrap();
}

/// After the last save: wait a moment more, then the newest `RAN` line must be `last` (no stale
/// version ran after it), every `RAN` line must be whole, and hotnode reported no error.
fn assert_settled_on(run: &Running, last: &str) {
    std::thread::sleep(Duration::from_millis(300));
    let output = run.output();
    let runs: Vec<&str> = output.lines().filter(|l| l.starts_with("RAN ")).collect();
    assert_eq!(runs.last().copied(), Some(ran(last).as_str()), "the app does not run the last save:\n{output}");
    for line in &runs {
        let names: Vec<&str> = line.trim_end_matches(';').split(' ').skip(1).collect();
        assert_eq!(names[0], names[1], "a half-written file ran: {line}");
    }
    let trouble: Vec<&str> = output
        .lines()
        .filter(|l| {
            l.starts_with("[hot]") && !l.contains("started") && !l.contains(" changed: ") && !l.contains("restarting")
        })
        .collect();
    assert!(trouble.is_empty(), "hotnode reported trouble: {trouble:?}\n{output}");
}

fn each_save_runs(name: &str, count: usize, save: impl Fn(&Path, &str)) {
    let app = app(name);
    let mut run = hotnode(&app, &["main.js"]);
    run.expect(&ran("v0"));
    let path = app.dir.join("value.js");
    for k in 1..=rounds(count) {
        let name = format!("v{k}");
        save(&path, &version(&name));
        run.expect(&ran(&name));
    }
    assert_settled_on(&run, &format!("v{}", rounds(count)));
}

#[test]
fn a_save_in_place_in_pieces_runs_whole() {
    each_save_runs("in-place", 15, save_in_place);
}

#[test]
fn an_atomic_save_runs() {
    each_save_runs("atomic", 25, save_atomic);
}

#[test]
fn a_vim_save_runs_and_is_not_a_deletion() {
    each_save_runs("vim", 25, save_like_vim);
}

#[test]
fn a_file_deleted_and_recreated_runs_the_new_content() {
    each_save_runs("recreated", 25, |path, text| {
        std::fs::remove_file(path).unwrap();
        std::fs::write(path, text).unwrap();
    });
}

#[test]
fn a_formatter_rewriting_right_after_the_save_runs_its_output_and_never_half_of_it() {
    let app = app("formatter");
    let mut run = hotnode(&app, &["main.js"]);
    run.expect(&ran("v0"));
    let path = app.dir.join("value.js");
    let count = rounds(15);
    for k in 1..=count {
        // The editor's save, then at once the formatter's rewrite in place (in pieces, so
        // hotnode's read of the first save can land in the middle of it).
        std::fs::write(&path, version(&format!("v{k}"))).unwrap();
        save_in_place(&path, &version(&format!("v{k}f")));
        run.expect(&ran(&format!("v{k}f")));
    }
    assert_settled_on(&run, &format!("v{count}f"));
}

#[test]
fn a_git_checkout_of_many_files_runs_every_file_of_the_checked_out_commit() {
    const FILES: usize = 20;
    let module = |i: usize, rev: &str| {
        format!("export const rev = \"{rev}\";\nconsole.log(`RAN m{i} rev=${{rev}};`);\nimport.meta.hot.accept();\n")
    };
    let main: String = (0..FILES).map(|i| format!("import \"./m{i}.js\";\n")).collect::<String>()
        + "setInterval(() => {}, 1 << 30);\n";
    let app = TempApp::new("checkout", &[("package.json", ESM), ("main.js", &main)]);
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .args(["-c", "user.name=hotnode", "-c", "user.email=hotnode@localhost", "-c", "init.defaultBranch=a"])
            .args(args)
            .current_dir(&app.dir)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("git runs");
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "-q"]);
    for rev in ["a", "b"] {
        if rev == "b" {
            git(&["checkout", "-q", "-b", "b"]);
        }
        for i in 0..FILES {
            app.write(&format!("m{i}.js"), &module(i, rev));
        }
        git(&["add", "."]);
        git(&["commit", "-q", "-m", rev]);
    }
    git(&["checkout", "-q", "a"]);
    let mut run = hotnode(&app, &["main.js"]);
    let lines = |rev: &str| (0..FILES).map(|i| format!("RAN m{i} rev={rev};")).collect::<Vec<_>>();
    let expect_all = |run: &mut Running, rev: &str| {
        let lines = lines(rev);
        run.expect_each(&lines.iter().map(String::as_str).collect::<Vec<_>>());
    };
    expect_all(&mut run, "a");
    let count = rounds(6);
    for k in 0..count {
        let rev = if k % 2 == 0 { "b" } else { "a" };
        git(&["checkout", "-q", rev]);
        expect_all(&mut run, rev);
    }
    std::thread::sleep(Duration::from_millis(300));
    let output = run.output();
    let last_rev = if count % 2 == 1 { "b" } else { "a" };
    for i in 0..FILES {
        let last = output.lines().rfind(|l| l.starts_with(&format!("RAN m{i} ")));
        assert_eq!(last, Some(format!("RAN m{i} rev={last_rev};").as_str()), "{output}");
    }
}

/// `count` saves `gap` apart without waiting for the app; then it must run the last.
fn burst_ends_on_the_last(name: &str, text: impl Fn(&str) -> String, count: usize, gap: Duration) {
    let app = TempApp::new(name, &[("package.json", ESM), ("main.js", MAIN), ("value.js", &text("v0"))]);
    let mut run = hotnode(&app, &["main.js"]);
    run.expect(&ran("v0"));
    let path = app.dir.join("value.js");
    for k in 1..=count {
        std::fs::write(&path, text(&format!("v{k}"))).unwrap();
        std::thread::sleep(gap);
    }
    run.expect(&ran(&format!("v{count}")));
    assert_settled_on(&run, &format!("v{count}"));
}

#[test]
fn saves_while_an_update_is_being_applied_end_on_the_last() {
    // Each evaluation takes 20 ms: saves 2 ms apart land while the runtime applies the ones
    // before them.
    let slow = |name: &str| {
        version(name).replace("console.log", "for (const until = Date.now() + 20; Date.now() < until;);\nconsole.log")
    };
    burst_ends_on_the_last("while-applying", slow, rounds(30), Duration::from_millis(2));
}

#[test]
fn a_hundred_saves_in_a_second_end_on_the_last() {
    burst_ends_on_the_last("hundred", version, rounds(100), Duration::from_millis(10));
}

#[test]
fn a_save_during_a_restart_is_what_the_new_process_runs() {
    // The entry does not accept: editing it restarts the app, and its dispose takes 100 ms.
    let main = |k: usize| {
        format!(
            "// start {k}\nimport \"./value.js\";\nconsole.log(\"MAIN {k}\");\nimport.meta.hot.dispose(() => new Promise((r) => setTimeout(r, 100)));\nsetInterval(() => {{}}, 1 << 30);\n"
        )
    };
    let app =
        TempApp::new("during-restart", &[("package.json", ESM), ("main.js", &main(0)), ("value.js", &version("v0"))]);
    let mut run = hotnode(&app, &["main.js"]);
    run.expect_each(&["MAIN 0", &ran("v0")]);
    let value = app.dir.join("value.js");
    // The save lands in the old process's dispose, while node starts, or while the new
    // process loads its modules.
    let delays = [0, 20, 50, 100, 150, 200, 300];
    let count = rounds(delays.len());
    for k in 1..=count {
        app.write("main.js", &main(k));
        std::thread::sleep(Duration::from_millis(delays[k % delays.len()]));
        std::fs::write(&value, version(&format!("v{k}"))).unwrap();
        run.expect_each(&[&format!("MAIN {k}"), &ran(&format!("v{k}"))]);
    }
    assert_settled_on(&run, &format!("v{count}"));
}
