//! Bad input: each is one line that names the path, and the app keeps running (the same
//! process takes the next good save).

mod support;

use std::os::unix::process::CommandExt;
use std::process::Command;
use std::time::{Duration, Instant};

use support::{Running, TempApp, hotnode, run_command};

const ESM: &str = r#"{ "type": "module" }"#;
const MAIN: &str = "import { v } from \"./value.js\";\nconsole.log(`BOOT ${process.pid} ${v}`);\nimport.meta.hot.accept(\"./value.js\", (m) => console.log(`NOW ${m.v}`));\nsetInterval(() => {}, 1 << 30);\n";

fn app(name: &str) -> TempApp {
    TempApp::new(name, &[("package.json", ESM), ("main.js", MAIN), ("value.js", "export const v = 0;\n")])
}

/// The `[hot]` line with `needle`; it must name `path`, and hotnode must say nothing more about
/// it than that line (no stack under it).
fn one_line_naming(run: &mut Running, needle: &str, path: &str) {
    let line = run.expect(needle);
    assert!(line.starts_with("[hot] ") && line.contains(path), "{line:?} should name {path}");
    let output = run.output();
    let after: Vec<&str> = output.lines().skip_while(|l| *l != line).skip(1).take(1).collect();
    assert!(!after.iter().any(|l| l.trim_start().starts_with("at ")), "a stack followed {line:?}:\n{output}");
}

fn good_save(app: &TempApp, run: &mut Running, v: usize) {
    app.write("value.js", &format!("export const v = {v};\n"));
    run.expect(&format!("NOW {v}"));
}

#[test]
fn each_bad_file_is_one_line_with_its_path_and_the_app_keeps_running() {
    let app = app("bad-files");
    let mut run = hotnode(&app, &["main.js"]);
    run.expect("BOOT");
    let dir = app.dir.display().to_string();
    let value = format!("{dir}/value.js");

    app.write_bytes("value.js", b"export const v = \"\xff\xfe\xfd\";\n");
    one_line_naming(&mut run, "is not UTF-8 text", &value);
    good_save(&app, &mut run, 1);

    // A binary file with a .js name (valid UTF-8 or not, a NUL says it is not source).
    let binary: Vec<u8> = (0..4096u32).map(|i| (i % 256) as u8).collect();
    app.write_bytes("value.js", &binary);
    one_line_naming(&mut run, "is not UTF-8 text", &value);
    good_save(&app, &mut run, 2);

    std::os::unix::fs::symlink("loop.js", app.dir.join("loop.js")).unwrap();
    app.write("value.js", "import \"./loop.js\";\nexport const v = -1;\n");
    one_line_naming(&mut run, "Too many levels of symbolic links", &format!("{dir}/loop.js"));
    good_save(&app, &mut run, 3);

    app.write("value.js", "import \"./missing.js\";\nexport const v = -1;\n");
    one_line_naming(&mut run, &format!("Cannot find module '{dir}/missing.js'"), &value);
    good_save(&app, &mut run, 4);

    // A file outside the project root (the folder with the app's package.json) is not served.
    let outside = app.dir.with_file_name(format!("hotnode-outside-{}.js", std::process::id()));
    std::fs::write(&outside, "console.log('OUTSIDE RAN');\n").unwrap();
    let name = outside.file_name().unwrap().to_string_lossy().into_owned();
    app.write("value.js", &format!("import \"../{name}\";\nexport const v = -1;\n"));
    one_line_naming(&mut run, "is outside the project root", &outside.display().to_string());
    good_save(&app, &mut run, 5);
    std::fs::remove_file(&outside).unwrap();

    // A FIFO named like a module would block a read forever.
    let fifo = app.dir.join("fifo.js");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    app.write("value.js", "import \"./fifo.js\";\nexport const v = -1;\n");
    one_line_naming(&mut run, "is not a regular file", &fifo.display().to_string());
    good_save(&app, &mut run, 6);

    std::fs::create_dir(app.dir.join("folder.js")).unwrap();
    app.write("value.js", "import \"./folder.js\";\nexport const v = -1;\n");
    one_line_naming(&mut run, "is a folder with no index module", &format!("{dir}/folder.js"));
    good_save(&app, &mut run, 7);

    // A 10 MB module is no error: it loads, and its next edit applies like any other.
    let big = format!(
        "export const v = 8;\nexport const data = [\n{}];\n",
        "  \"0123456789abcdef0123456789abcdef\",\n".repeat(280_000)
    );
    assert!(big.len() > 10_000_000);
    let saved = Instant::now();
    app.write("value.js", &big);
    run.expect_within("NOW 8", Duration::from_secs(30));
    eprintln!("a 10 MB module applied {:?} after its save", saved.elapsed());
    good_save(&app, &mut run, 9);

    let output = run.output();
    assert_eq!(output.matches("BOOT").count(), 1, "the app restarted:\n{output}");
    assert!(!output.contains("OUTSIDE RAN") && !output.contains("panicked"), "{output}");
}

#[test]
fn an_entry_that_is_a_folder_is_one_line_with_its_path() {
    let app = TempApp::new("entry-folder", &[("package.json", ESM), ("src/main.js", "")]);
    let mut run = hotnode(&app, &["src"]);
    assert_eq!(run.wait_exit(Duration::from_secs(10)), Some(1));
    let output = run.final_output();
    assert_eq!(output.lines().count(), 1, "{output}");
    assert!(output.contains("the entry src is a folder"), "{output}");
}

/// hotnode as `nobody` when the tests run as root (root reads any file), in a folder of its own
/// for its caches and control socket.
fn hotnode_as_nobody(app: &TempApp, args: &[&str]) -> Running {
    let home = app.dir.join(".home");
    std::fs::create_dir_all(&home).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_hotnode"));
    command.args(args).current_dir(&app.dir);
    // SAFETY: geteuid(2) has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        assert!(Command::new("chown").arg("65534:65534").arg(&home).status().unwrap().success());
        command.uid(65534).gid(65534);
    }
    command.env("HOME", &home).env("HOTNODE_CACHE_DIR", &home).env("XDG_RUNTIME_DIR", &home);
    run_command(command)
}

#[test]
fn an_unreadable_file_is_one_line_with_its_path_and_the_app_keeps_running() {
    use std::os::unix::fs::PermissionsExt;
    let app = app("unreadable");
    let mut run = hotnode_as_nobody(&app, &["main.js"]);
    run.expect("BOOT");
    let value = app.dir.join("value.js");
    std::fs::set_permissions(&value, std::fs::Permissions::from_mode(0o000)).unwrap();
    app.write("value.js", "export const v = 1;\n");
    one_line_naming(&mut run, "Permission denied", &value.display().to_string());
    std::fs::set_permissions(&value, std::fs::Permissions::from_mode(0o644)).unwrap();
    good_save(&app, &mut run, 2);
}
