//! A fuzzer of edit sequences against a real app: random mixes of good edits, syntax errors,
//! modules that throw, deleted and restored files, imports added and removed (cycles among
//! them; an import of a deleted file is one written before its file), the folder `lib/` (two
//! of the modules) deleted and made again, edits of package.json and tsconfig.json (a
//! restart), a symbolic link switched between two files (`ln -sf`, a restart) or its
//! targets edited, and edits of a module nothing accepts (`h.js`): of a function's body only (a
//! refresh, docs/REFRESH.md), of a function that ran at the start, or of its top level (both
//! restarts). After each edit, once hotnode and the app are quiet: hotnode is alive, has
//! not panicked, and has named the file of every error the edit made. At the end every file is
//! made good again, and the app must run exactly what is on disk (also the refreshed body).
//!
//! `cargo test` runs a fixed seed and a few cases. More, with a fresh seed each run:
//! `HOTNODE_FUZZ_CASES=200 HOTNODE_FUZZ_SEED=random cargo test --release --test fuzz_e2e -- --nocapture`
//! (`HOTNODE_FUZZ_OPS` sets the longest sequence; a failure prints the shortest failing one).

mod support;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use support::{Running, TempApp, hotnode};

const MODULES: usize = 5;
/// main.js accepts what it imports but h.js: an edit of h.js is refreshed or restarts.
const MAIN: &str = "import \"./m0.js\";\nimport \"./m1.js\";\nimport \"./cfg.js\";\nimport \"./h.js\";\nimport.meta.hot.accept([\"./m0.js\", \"./m1.js\", \"./cfg.js\"]);\nprocess.on(\"SIGUSR2\", () => console.log(\"BODY \" + globalThis.body()));\nconsole.log(\"PID \" + process.pid);\nsetInterval(() => {}, 1 << 30);\n";

/// h.js: `body` runs only when asked (SIGUSR2), `setup` at the start.
fn h_text(versions: [usize; 3]) -> String {
    let [body, setup, top] = versions;
    format!(
        "export function body() {{ return \"h b{body}\"; }}\nexport function setup() {{ return \"s{setup}\"; }}\nconsole.log(\"RAN h \" + setup() + \" t{top}\");\nglobalThis.body = body;\n"
    )
}
const PACKAGE: &str = r#"{ "type": "module" }"#;
const TSCONFIG: &str = r#"{ "compilerOptions": { "target": "es2022" } }"#;

/// cfg.js is a symbolic link to one of these (`ln -sf cfg.b.js cfg.js`).
const LINK_TARGETS: [&str; 2] = ["a", "b"];

fn link_target_text(which: usize, version: usize) -> String {
    format!("console.log(\"RAN cfg {} v{version}\");\nimport.meta.hot.accept();\n", LINK_TARGETS[which])
}

#[derive(Debug, Clone)]
enum Op {
    /// A good version importing the modules in the mask, accepting itself or not.
    Good {
        m: usize,
        imports: u8,
        accept: bool,
    },
    SyntaxError {
        m: usize,
    },
    Throws {
        m: usize,
    },
    Delete {
        m: usize,
    },
    Restore {
        m: usize,
    },
    /// `rm -rf lib` (a `git checkout` of a branch without it).
    DeleteFolder,
    /// `lib/` made again with what it held.
    RestoreFolder,
    /// package.json rewritten with another version: a config change, so a restart.
    EditConfig,
    /// tsconfig.json rewritten: a config change, so a restart.
    EditTsconfig,
    /// cfg.js pointed at the other target: a restart.
    SwitchLink,
    /// A new version of one of cfg.js's targets (hot if it is the one linked).
    EditLinkTarget {
        which: usize,
    },
    /// h.js: a new body of `body` (refreshed), of `setup` (ran at the start: a restart), or a
    /// new top level (a restart).
    EditH {
        part: usize,
    },
}

/// The modules in `lib/`; the others are beside main.js.
const IN_LIB: std::ops::Range<usize> = 3..MODULES;

fn file_of(m: usize) -> String {
    if IN_LIB.contains(&m) { format!("lib/m{m}.js") } else { format!("m{m}.js") }
}

/// The specifier module `from` imports module `to` by.
fn specifier(from: usize, to: usize) -> String {
    match (IN_LIB.contains(&from), IN_LIB.contains(&to)) {
        (false, true) => format!("./lib/m{to}.js"),
        (true, false) => format!("../m{to}.js"),
        _ => format!("./m{to}.js"),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Content {
    Good { version: usize, imports: u8, accept: bool },
    Syntax { imports: u8 },
    Throws { imports: u8 },
}

impl Content {
    fn imports(&self) -> u8 {
        match self {
            Content::Good { imports, .. } | Content::Syntax { imports } | Content::Throws { imports } => *imports,
        }
    }

    fn render(&self, m: usize) -> String {
        let mut text: String = (0..MODULES)
            .filter(|j| *j != m && self.imports() & (1 << j) != 0)
            .map(|j| format!("import \"{}\";\n", specifier(m, j)))
            .collect();
        match self {
            Content::Good { version, accept, .. } => {
                text += &format!("console.log(\"RAN m{m} v{version}\");\n");
                if *accept {
                    text += "import.meta.hot.accept();\n";
                }
            }
            Content::Syntax { .. } => text += "export const = ;\n",
            Content::Throws { .. } => text += &format!("throw new Error(\"m{m} throws\");\n"),
        }
        text
    }
}

/// The disk as the test wrote it.
struct Model {
    files: Vec<Option<Content>>,
    deleted: Vec<Option<Content>>,
    next_version: usize,
    /// Modules the running process has loaded at some point (hotnode reports those).
    known: BTreeSet<usize>,
    /// The app crashed at its start (a module it loads does not parse or throws): no process
    /// runs until a file is written.
    crashed: bool,
    /// Which of `LINK_TARGETS` cfg.js points at, and each one's version.
    linked: usize,
    link_versions: [usize; 2],
    /// h.js's `body`, `setup` and top-level versions.
    h: [usize; 3],
}

impl Model {
    fn new() -> Self {
        let files = (0..MODULES).map(|_| Some(Content::Good { version: 0, imports: 0, accept: true })).collect();
        Self {
            files,
            deleted: vec![None; MODULES],
            next_version: 1,
            known: BTreeSet::new(),
            crashed: false,
            linked: 0,
            link_versions: [0, 0],
            h: [0, 0, 0],
        }
    }

    fn version(&mut self) -> usize {
        self.next_version += 1;
        self.next_version
    }

    /// Whether a start now would crash: a module it loads is missing, does not parse or throws.
    fn start_fails(&self) -> bool {
        let mut seen = BTreeSet::new();
        let mut stack = vec![0, 1];
        while let Some(m) = stack.pop() {
            if !seen.insert(m) {
                continue;
            }
            match &self.files[m] {
                Some(content @ Content::Good { .. }) => {
                    stack.extend((0..MODULES).filter(|j| *j != m && content.imports() & (1 << j) != 0));
                }
                _ => return true,
            }
        }
        false
    }

    /// Modules the app imports from main, through files that exist and parse.
    fn reachable(&self) -> BTreeSet<usize> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![0, 1];
        while let Some(m) = stack.pop() {
            let Some(content) = &self.files[m] else { continue };
            if !seen.insert(m) || matches!(content, Content::Syntax { .. }) {
                continue;
            }
            stack.extend((0..MODULES).filter(|j| *j != m && content.imports() & (1 << j) != 0));
        }
        seen
    }
}

fn op() -> impl Strategy<Value = Op> {
    let m = 0..MODULES;
    prop_oneof![
        4 => (m.clone(), any::<u8>(), any::<bool>()).prop_map(|(m, imports, accept)| Op::Good { m, imports: imports & 0b11111, accept }),
        1 => m.clone().prop_map(|m| Op::SyntaxError { m }),
        1 => m.clone().prop_map(|m| Op::Throws { m }),
        1 => m.clone().prop_map(|m| Op::Delete { m }),
        1 => m.prop_map(|m| Op::Restore { m }),
        1 => Just(Op::DeleteFolder),
        1 => Just(Op::RestoreFolder),
        1 => Just(Op::EditConfig),
        1 => Just(Op::EditTsconfig),
        1 => Just(Op::SwitchLink),
        1 => (0..2usize).prop_map(|which| Op::EditLinkTarget { which }),
        2 => (0..3usize).prop_map(|part| Op::EditH { part }),
    ]
}

fn env_number(name: &str, default: u32) -> u32 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Waits until nothing new has been printed for `idle` (at least `min` in all); the lines that
/// came since line `from`.
fn quiet(run: &Running, from: usize, idle: Duration, min: Duration) -> Vec<String> {
    let started = Instant::now();
    let mut last = run.output();
    let mut since = Instant::now();
    while since.elapsed() < idle || started.elapsed() < min {
        assert!(started.elapsed() < Duration::from_secs(20), "hotnode never went quiet:\n{last}");
        std::thread::sleep(Duration::from_millis(20));
        let now = run.output();
        if now != last {
            last = now;
            since = Instant::now();
        }
    }
    last.lines().skip(from).map(String::from).collect()
}

fn check_sequence(ops: &[Op], case: usize) -> Result<(), TestCaseError> {
    let mut model = Model::new();
    let mut files: Vec<(String, String)> = vec![
        ("package.json".into(), PACKAGE.into()),
        ("tsconfig.json".into(), TSCONFIG.into()),
        ("main.js".into(), MAIN.into()),
        ("cfg.a.js".into(), link_target_text(0, 0)),
        ("cfg.b.js".into(), link_target_text(1, 0)),
        ("h.js".into(), h_text([0, 0, 0])),
    ];
    for (m, content) in model.files.iter().enumerate() {
        files.push((file_of(m), content.as_ref().unwrap().render(m)));
    }
    let file_refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let app = TempApp::new(&format!("fuzz-{case}"), &file_refs);
    std::os::unix::fs::symlink("cfg.a.js", app.dir.join("cfg.js")).unwrap();
    let mut run = hotnode(&app, &["main.js"]);
    run.expect_each(&["RAN m0 v0", "RAN m1 v0", "RAN cfg a v0", "RAN h s0 t0", "PID "]);
    model.known.extend(model.reachable());
    let idle = Duration::from_millis(150);

    for op in ops {
        let from = run.output().lines().count();
        let before: Vec<Option<String>> = (0..MODULES).map(|m| model.files[m].as_ref().map(|c| c.render(m))).collect();
        let mut made_bad: Option<(usize, &str)> = None;
        match *op {
            Op::Good { m, imports, accept } => {
                let version = model.version();
                model.files[m] = Some(Content::Good { version, imports, accept });
            }
            Op::SyntaxError { m } => {
                let imports = model.files[m].as_ref().map_or(0, Content::imports);
                model.files[m] = Some(Content::Syntax { imports });
                made_bad = Some((m, "syntax"));
            }
            Op::Throws { m } => {
                let imports = model.files[m].as_ref().map_or(0, Content::imports);
                model.files[m] = Some(Content::Throws { imports });
                made_bad = Some((m, "throws"));
            }
            Op::Delete { m } => {
                if let Some(content) = model.files[m].take() {
                    model.deleted[m] = Some(content);
                    made_bad = Some((m, "deleted"));
                }
            }
            Op::Restore { m } => {
                if model.files[m].is_none() {
                    model.files[m] = model.deleted[m].take();
                }
            }
            Op::DeleteFolder => {
                for m in IN_LIB {
                    if let Some(content) = model.files[m].take() {
                        model.deleted[m] = Some(content);
                        made_bad = made_bad.or(Some((m, "deleted")));
                    }
                }
                let _ = std::fs::remove_dir_all(app.dir.join("lib"));
            }
            Op::RestoreFolder => {
                for m in IN_LIB {
                    if model.files[m].is_none() {
                        model.files[m] = model.deleted[m].take();
                    }
                }
            }
            Op::EditConfig => {
                let version = model.version();
                app.write("package.json", &format!("{{ \"type\": \"module\", \"version\": \"1.0.{version}\" }}\n"));
            }
            Op::EditTsconfig => {
                let version = model.version();
                app.write(
                    "tsconfig.json",
                    &format!("{{\n  // edit {version}\n  \"compilerOptions\": {{ \"target\": \"es2022\" }}\n}}\n"),
                );
            }
            Op::SwitchLink => {
                model.linked = 1 - model.linked;
                // As `ln -sf`: the old link removed, the new one made.
                let link = app.dir.join("cfg.js");
                let _ = std::fs::remove_file(&link);
                std::os::unix::fs::symlink(format!("cfg.{}.js", LINK_TARGETS[model.linked]), &link).unwrap();
            }
            Op::EditLinkTarget { which } => {
                let version = model.version();
                model.link_versions[which] = version;
                app.write(&format!("cfg.{}.js", LINK_TARGETS[which]), &link_target_text(which, version));
            }
            Op::EditH { part } => {
                model.h[part] = model.version();
                app.write("h.js", &h_text(model.h));
            }
        }
        let restarts = matches!(op, Op::EditConfig | Op::EditTsconfig | Op::SwitchLink | Op::EditH { part: 1 | 2 });
        for (m, before) in before.iter().enumerate() {
            let after = model.files[m].as_ref().map(|c| c.render(m));
            if after != *before {
                let path = app.dir.join(file_of(m));
                match after {
                    Some(text) => app.write(&file_of(m), &text),
                    None => {
                        let _ = std::fs::remove_file(path);
                    }
                }
            }
        }
        // A deletion is reported after its grace period; a restart takes a moment to start.
        let min = if matches!(made_bad, Some((_, "deleted"))) || restarts { Duration::from_millis(600) } else { idle };
        let lines = quiet(&run, from, idle, min);
        prop_assert!(run.child.try_wait().unwrap().is_none(), "hotnode ended after {op:?}:\n{}", run.output());
        prop_assert!(!lines.iter().any(|l| l.contains("panicked")), "hotnode panicked after {op:?}:\n{}", run.output());
        if let (Op::EditH { part }, false) = (op, model.crashed) {
            let expected =
                ["h.js changed: refreshed 1 function", "ran while the app started", "code outside the functions"];
            let said = lines.iter().any(|l| l.contains(expected[*part]));
            prop_assert!(said, "no {:?} after {op:?}:\n{}", expected[*part], run.output());
        }
        if let Some((m, how)) = made_bad {
            let changed = model.files[m].as_ref().map(|c| c.render(m)) != before[m];
            let must_say = match how {
                "throws" => model.known.contains(&m) && model.reachable().contains(&m),
                _ => model.known.contains(&m),
            };
            let named = lines.iter().any(|l| l.contains(&format!("m{m}.js")) || l.contains(&format!("m{m} throws")));
            prop_assert!(!changed || !must_say || named, "nothing named m{m}.js after {op:?}:\n{}", run.output());
        }
        // A restart (a config edit; any file written while crashed starts the app again): a new
        // process, holding what it loads now, or none if its start crashes.
        let wrote = before
            .iter()
            .enumerate()
            .any(|(m, b)| model.files[m].as_ref().map(|c| c.render(m)) != *b && model.files[m].is_some());
        let wrote = wrote
            || matches!(op, Op::EditLinkTarget { which } if *which == model.linked)
            || matches!(op, Op::EditH { .. });
        if restarts || (model.crashed && wrote) {
            model.known.clear();
            model.crashed = model.start_fails();
        }
        if !model.crashed {
            model.known.extend(model.reachable());
        }
    }

    // Make every file good again; the app must then run the disk's code.
    let from = run.output().lines().count();
    for m in 0..MODULES {
        if !matches!(model.files[m], Some(Content::Good { .. })) {
            let imports = model.files[m].as_ref().or(model.deleted[m].as_ref()).map_or(0, Content::imports);
            let version = model.version();
            let content = Content::Good { version, imports, accept: false };
            app.write(&file_of(m), &content.render(m));
            model.files[m] = Some(content);
        }
    }
    quiet(&run, from, Duration::from_millis(300), Duration::from_millis(300));
    let output = run.output();
    for m in model.reachable() {
        let Some(Content::Good { version, .. }) = model.files[m] else { unreachable!() };
        let last = output.lines().rfind(|l| l.starts_with(&format!("RAN m{m} ")));
        let expected = format!("RAN m{m} v{version}");
        prop_assert_eq!(last, Some(expected.as_str()), "m{} after {:?}:\n{}", m, ops, output);
    }
    let last = output.lines().rfind(|l| l.starts_with("RAN cfg "));
    let expected = format!("RAN cfg {} v{}", LINK_TARGETS[model.linked], model.link_versions[model.linked]);
    prop_assert_eq!(last, Some(expected.as_str()), "cfg.js after {:?}:\n{}", ops, output);
    let last = output.lines().rfind(|l| l.starts_with("RAN h "));
    let expected = format!("RAN h s{} t{}", model.h[1], model.h[2]);
    prop_assert_eq!(last, Some(expected.as_str()), "h.js after {:?}:\n{}", ops, output);
    // The body the app registered at its start runs the one on disk.
    let pid: i32 =
        output.lines().rfind(|l| l.starts_with("PID ")).and_then(|l| l[4..].trim().parse().ok()).expect("a PID line");
    let from = output.lines().count();
    // SAFETY: kill(2) of the app's process, which this test started (through hotnode).
    unsafe { libc::kill(pid, libc::SIGUSR2) };
    let lines = quiet(&run, from, Duration::from_millis(150), Duration::from_millis(150));
    let expected = format!("BODY h b{}", model.h[0]);
    prop_assert!(lines.iter().any(|l| l == &expected), "no {expected:?} after {ops:?}:\n{}", run.output());
    Ok(())
}

#[test]
fn random_edit_sequences_end_with_the_app_running_the_disks_code() {
    let cases = env_number("HOTNODE_FUZZ_CASES", 6);
    let max_ops = env_number("HOTNODE_FUZZ_OPS", 10) as usize;
    let seed: [u8; 32] = match std::env::var("HOTNODE_FUZZ_SEED").as_deref() {
        Ok("random") => std::array::from_fn(|_| rand_byte()),
        Ok(number) => {
            let n: u64 = number.parse().expect("HOTNODE_FUZZ_SEED is a number or `random`");
            std::array::from_fn(|i| n.to_le_bytes()[i % 8])
        }
        Err(_) => [7; 32],
    };
    eprintln!("fuzz seed: {}", seed.iter().map(|b| format!("{b:02x}")).collect::<String>());
    let config = Config { cases, max_shrink_iters: 64, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
    let case = std::sync::atomic::AtomicUsize::new(0);
    let result = runner.run(&proptest::collection::vec(op(), 1..=max_ops), |ops| {
        check_sequence(&ops, case.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    });
    if let Err(err) = result {
        panic!("{err}");
    }
}

/// The shortest failing sequences the fuzzer found, each a bug fixed since: they run every time.
#[test]
fn sequences_the_fuzzer_found_stay_fixed() {
    use Op::*;
    let found: [&[Op]; 9] = [
        // An importer's update failed on a new dependency with a syntax error; fixing the
        // dependency must apply the importer.
        &[SyntaxError { m: 2 }, Good { m: 0, imports: 0b1100, accept: false }],
        // The same with a dependency that throws.
        &[Throws { m: 2 }, Good { m: 0, imports: 0b100, accept: false }],
        // Saving a module whose update failed, with the same content, retries it.
        &[Throws { m: 1 }, Delete { m: 1 }, Throws { m: 1 }],
        // A dependency two levels down throws: the one between errored with its error and must be
        // evaluated afresh when the bottom one is fixed.
        &[
            Throws { m: 3 },
            Good { m: 2, imports: 0b1000, accept: false },
            Good { m: 0, imports: 0b10100, accept: false },
        ],
        // A start that crashed on a missing folder cached the miss: once the folder was back, a
        // module loaded later that imports a file in it failed to find it.
        &[
            Good { m: 2, imports: 0b10000, accept: false },
            Good { m: 1, imports: 0b11000, accept: false },
            DeleteFolder,
            EditConfig,
            Good { m: 1, imports: 0, accept: false },
            RestoreFolder,
            Good { m: 0, imports: 0b100, accept: false },
        ],
        // A deleted module's file written again (the store still knew it) did not retry the
        // importer whose update had failed on its absence.
        &[
            Good { m: 0, imports: 0b10000, accept: false },
            Throws { m: 2 },
            Delete { m: 4 },
            Good { m: 0, imports: 0b10100, accept: false },
        ],
        // A module not yet loaded whose import does not parse, reached by an update: the update
        // failed and the app crashed.
        &[
            Good { m: 2, imports: 0b10000, accept: false },
            SyntaxError { m: 4 },
            Good { m: 0, imports: 0b11100, accept: false },
            Delete { m: 0 },
        ],
        // The second switch of the link came while a removal (its first half) was read: taken
        // for a file no module is, it was lost (CI, debug build; one run in ten).
        &[
            EditH { part: 0 },
            Good { m: 2, imports: 25, accept: true },
            EditConfig,
            EditH { part: 0 },
            Restore { m: 1 },
            SwitchLink,
            SwitchLink,
            Delete { m: 2 },
            Good { m: 3, imports: 28, accept: false },
            EditLinkTarget { which: 0 },
        ],
        // Not hotnode's: the model took a start with a module missing for one that runs.
        &[Good { m: 1, imports: 0b11000, accept: false }, Delete { m: 0 }, EditConfig, Delete { m: 1 }],
    ];
    for (case, ops) in found.iter().enumerate() {
        if let Err(err) = check_sequence(ops, 1000 + case) {
            panic!("{ops:?}: {err}");
        }
    }
}

/// A byte from the OS (for `HOTNODE_FUZZ_SEED=random`).
fn rand_byte() -> u8 {
    use std::io::Read;
    let mut byte = [0u8];
    std::fs::File::open("/dev/urandom").unwrap().read_exact(&mut byte).unwrap();
    byte[0]
}
