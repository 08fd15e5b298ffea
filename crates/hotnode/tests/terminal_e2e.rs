//! hotnode on a terminal: its lines go above an interactive prompt the app shows, never into
//! the middle of what the user is typing, and the input survives them.

mod support;

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use support::{TempApp, patience};

/// A pseudo-terminal: the app's side (the slave, given to hotnode as stdin, stdout and
/// stderr) and ours (the master: what we type, and everything the terminal shows).
struct Terminal {
    master: File,
    slave: OwnedFd,
    shown: Arc<(Mutex<Vec<u8>>, Condvar)>,
}

impl Terminal {
    fn open() -> Self {
        let (mut master, mut slave) = (0, 0);
        // SAFETY: openpty writes two descriptors; no name, termios or size is asked for.
        let rc =
            unsafe { libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), std::ptr::null()) };
        assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: both descriptors were just opened and are owned here only.
        let (master, slave) = unsafe { (File::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        let shown = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
        let mut reader = master.try_clone().unwrap();
        let sink = Arc::clone(&shown);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // Ends with EIO once no process holds the slave.
            while let Ok(n @ 1..) = reader.read(&mut buf) {
                let (lock, cvar) = &*sink;
                lock.lock().unwrap().extend_from_slice(&buf[..n]);
                cvar.notify_all();
            }
        });
        Self { master, slave, shown }
    }

    fn stdio(&self) -> Stdio {
        Stdio::from(self.slave.try_clone().unwrap())
    }

    fn r#type(&mut self, text: &str) {
        self.master.write_all(text.as_bytes()).unwrap();
    }

    /// Everything shown so far, escape sequences and all.
    fn shown(&self) -> String {
        String::from_utf8_lossy(&self.shown.0.lock().unwrap()).into_owned()
    }

    /// Waits until what is shown after byte `from` contains `needle`; its end's offset.
    fn wait_for(&self, needle: &str, from: usize) -> usize {
        let deadline = Instant::now() + patience(Duration::from_secs(30));
        let (lock, cvar) = &*self.shown;
        let mut shown = lock.lock().unwrap();
        loop {
            let text = String::from_utf8_lossy(&shown[from.min(shown.len())..]).into_owned();
            if let Some(at) = text.find(needle) {
                return from + at + needle.len();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "the terminal never showed {needle:?}; it shows:\n{text:?}");
            shown = cvar.wait_timeout(shown, left).unwrap().0;
        }
    }
}

#[test]
fn hotnode_writes_above_an_apps_prompt_and_the_typed_input_survives() {
    let app = TempApp::new(
        "prompt",
        &[
            ("package.json", r#"{ "type": "module" }"#),
            (
                "main.js",
                "import readline from 'node:readline';\nimport { greet } from './greet.js';\nimport.meta.hot?.accept('./greet.js');\nconst rl = readline.createInterface({ input: process.stdin, output: process.stdout, prompt: '> ' });\nrl.on('line', (line) => { console.log(`GOT ${line}`); rl.prompt(); });\nconsole.log(greet());\nrl.prompt();\n",
            ),
            ("greet.js", "export const greet = () => 'hi';\n"),
        ],
    );
    let mut terminal = Terminal::open();
    let mut hotnode = Command::new(env!("CARGO_BIN_EXE_hotnode"))
        .arg("main.js")
        .current_dir(&app.dir)
        .env("NO_COLOR", "1")
        .stdin(terminal.stdio())
        .stdout(terminal.stdio())
        .stderr(terminal.stdio())
        .spawn()
        .unwrap();
    let started = terminal.wait_for("[hot] started main.js", 0);
    let prompt = terminal.wait_for("> ", started);
    terminal.r#type("abc");
    let typed = terminal.wait_for("abc", prompt);
    app.write("greet.js", "export const greet = () => 'hello';\n");
    let updated = terminal.wait_for("[hot] greet.js changed", typed);
    // The line starts at the start of a row (the prompt and input were cleared first), and the
    // prompt comes back with the input after it.
    let shown = terminal.shown();
    let line_start = shown[..updated].rfind("[hot] greet.js changed").unwrap();
    assert!(
        !shown[typed..line_start].contains("abc") && !shown[..line_start].ends_with("abc"),
        "the [hot] line was written into the input: {:?}",
        &shown[prompt..updated]
    );
    terminal.wait_for("> abc", updated);
    terminal.r#type("\r");
    terminal.wait_for("GOT abc", updated);
    // SAFETY: kill(2) on the child started above, not yet waited for.
    unsafe { libc::kill(hotnode.id() as i32, libc::SIGTERM) };
    let _ = hotnode.wait();
}
