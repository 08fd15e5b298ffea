//! Drives the real `hotnode` binary against a temp app: writes files, collects output lines,
//! waits for lines with a deadline.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// The project's shared folder beside the repository, where there is one (a developer's
/// checkout and CI have it; a clone alone does not, and needs nothing from it).
pub fn shared_dir() -> Option<PathBuf> {
    let dir = repo_root().join("../shared");
    dir.join("conformance/run").is_file().then(|| dir.canonicalize().unwrap())
}

/// `crates/hotnode/tests/fixtures/<name>`: an app the tests copy and edit. The examples the
/// README points users at have a fixture each, so a user's edit of an example changes no test.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

pub struct TempApp {
    pub dir: PathBuf,
}

impl TempApp {
    pub fn new(name: &str, files: &[(&str, &str)]) -> Self {
        let dir = std::env::temp_dir().join(format!("hotnode-e2e-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let app = Self { dir: dir.canonicalize().unwrap() };
        for (path, text) in files {
            app.write(path, text);
        }
        app
    }

    /// A copy of a folder of the repository (an example app), so the test can edit it.
    pub fn copy_of(name: &str, folder: &Path) -> Self {
        let app = Self::new(name, &[]);
        copy_folder(folder, &app.dir);
        app
    }

    /// A copy of the fixture of `examples/<name>` (`tests/fixtures/<name>`: the example as the
    /// tests know it, which a user trying the examples cannot change), whose `node_modules` is the
    /// examples workspace's, installed from the registry with its lockfile (once; see
    /// [`examples_node_modules`]).
    pub fn copy_of_example(name: &str) -> Self {
        static COPIES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let node_modules = examples_node_modules();
        let copy = COPIES.fetch_add(1, Ordering::Relaxed);
        let app = Self::copy_of(&format!("{name}-{copy}"), &fixture(name));
        std::os::unix::fs::symlink(node_modules, app.dir.join("node_modules")).unwrap();
        app
    }

    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.dir.join(path)).unwrap()
    }

    pub fn write(&self, path: &str, text: &str) {
        self.write_bytes(path, text.as_bytes());
    }

    pub fn write_bytes(&self, path: &str, bytes: &[u8]) {
        let full = self.dir.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, bytes).unwrap();
    }
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_symlink() {
            // An installed workspace's link: the copy gets its own (see `copy_of_example`).
            continue;
        }
        if kind.is_dir() {
            // A program's own packages (a differential case's) go with it.
            copy_folder(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

impl Drop for TempApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The two pipes a command writes to. Lines of one pipe arrive in the order they were written;
/// between the two pipes there is no order at all (the app's stdout and hotnode's stderr race).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stream {
    Stdout = 0,
    Stderr = 1,
}

#[derive(Default)]
struct Lines {
    lines: Vec<(Stream, String)>,
    closed: usize,
}

impl Lines {
    fn text(&self) -> String {
        self.lines.iter().map(|(_, l)| l.as_str()).collect::<Vec<_>>().join("\n")
    }
}

/// How long a wait for output may take. Generous, since a loaded two-core machine can take
/// seconds to start node; a passing test never waits that long. `HOTNODE_TEST_WAIT_SCALE`
/// multiplies it (a slower machine).
pub fn patience(base: Duration) -> Duration {
    let scale = std::env::var("HOTNODE_TEST_WAIT_SCALE").ok().and_then(|s| s.parse::<f64>().ok()).unwrap_or(1.0);
    base.mul_f64(scale.max(1.0))
}

/// The default wait for a line.
const LINE_WAIT: Duration = Duration::from_secs(30);

pub struct Running {
    pub child: Child,
    output: Arc<(Mutex<Lines>, Condvar)>,
    /// Per stream, the index (into all lines) after the last line matched in that stream: a
    /// wait looks at each stream from its own cursor, so what it finds never depends on how
    /// the two streams interleaved.
    cursor: [usize; 2],
}

pub fn hotnode(app: &TempApp, args: &[&str]) -> Running {
    hotnode_with_env(app, args, &[])
}

pub fn hotnode_with_env(app: &TempApp, args: &[&str], env: &[(&str, &str)]) -> Running {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hotnode"));
    command.args(args).current_dir(&app.dir).envs(env.iter().copied());
    run_command(command)
}

/// Starts `command` (hotnode, or something that runs it, such as `npx hotnode`) with its output
/// collected line by line.
pub fn run_command(mut command: Command) -> Running {
    use std::os::unix::process::CommandExt;
    // Its own process group, so that dropping it ends whatever it started too (npx starts
    // hotnode as a child).
    let mut child = command
        .process_group(0)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the command starts");
    let output = Arc::new((Mutex::new(Lines::default()), Condvar::new()));
    for (which, stream) in [
        (Stream::Stdout, Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>),
        (Stream::Stderr, Box::new(child.stderr.take().unwrap())),
    ] {
        let output = Arc::clone(&output);
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                let (lock, cvar) = &*output;
                lock.lock().unwrap().lines.push((which, line));
                cvar.notify_all();
            }
            let (lock, cvar) = &*output;
            lock.lock().unwrap().closed += 1;
            cvar.notify_all();
        });
    }
    Running { child, output, cursor: [0, 0] }
}

/// The first line containing `needle` at or after its stream's cursor.
fn find_after(lines: &[(Stream, String)], cursor: [usize; 2], needle: &str) -> Option<(usize, Stream)> {
    let from = cursor[0].min(cursor[1]);
    lines[from.min(lines.len())..]
        .iter()
        .enumerate()
        .map(|(offset, (stream, line))| (from + offset, *stream, line))
        .find(|(index, stream, line)| *index >= cursor[*stream as usize] && line.contains(needle))
        .map(|(index, stream, _)| (index, stream))
}

impl Running {
    /// Waits for the next line that contains `needle`: the next after the last line matched
    /// in the same stream (stdout or stderr), whatever the other stream printed meanwhile.
    pub fn expect(&mut self, needle: &str) -> String {
        self.expect_within(needle, LINE_WAIT)
    }

    pub fn expect_within(&mut self, needle: &str, timeout: Duration) -> String {
        let cursor = self.cursor;
        let (index, stream, line) =
            self.wait_for(patience(timeout), &format!("no line containing {needle:?}"), |lines| {
                let (index, stream) = find_after(lines, cursor, needle)?;
                Some((index, stream, lines[index].1.clone()))
            });
        self.cursor[stream as usize] = index + 1;
        line
    }

    /// Waits until each needle has appeared (each after its stream's cursor), in any order.
    pub fn expect_each(&mut self, needles: &[&str]) {
        let cursor = self.cursor;
        let found = self.wait_for(patience(LINE_WAIT), &format!("not all of {needles:?} appeared"), |lines| {
            needles.iter().map(|needle| find_after(lines, cursor, needle)).collect::<Option<Vec<_>>>()
        });
        for (index, stream) in found {
            let at = &mut self.cursor[stream as usize];
            *at = (*at).max(index + 1);
        }
    }

    /// The first line that contains `needle`, wherever the cursor is (waiting for it, as for
    /// `expect`); the cursor does not move.
    pub fn line_with(&self, needle: &str) -> String {
        self.wait_for(patience(LINE_WAIT), &format!("no line containing {needle:?}"), |lines| {
            lines.iter().find(|(_, l)| l.contains(needle)).map(|(_, l)| l.clone())
        })
    }

    /// Waits until `find` finds something in the lines so far; panics with `missing` and the
    /// output when the time is up or hotnode's output has ended.
    fn wait_for<T>(
        &self,
        timeout: Duration,
        missing: &str,
        mut find: impl FnMut(&[(Stream, String)]) -> Option<T>,
    ) -> T {
        let deadline = Instant::now() + timeout;
        let (lock, cvar) = &*self.output;
        let mut state = lock.lock().unwrap();
        loop {
            if let Some(found) = find(&state.lines) {
                return found;
            }
            let now = Instant::now();
            if now >= deadline || state.closed == 2 {
                panic!("{missing}; output so far:\n{}", state.text());
            }
            state = cvar.wait_timeout(state, deadline - now).unwrap().0;
        }
    }

    /// Every line, once the command has closed its stdout and stderr (it has ended).
    pub fn final_output(&self) -> String {
        let deadline = Instant::now() + patience(LINE_WAIT);
        let (lock, cvar) = &*self.output;
        let mut state = lock.lock().unwrap();
        while state.closed < 2 {
            let now = Instant::now();
            assert!(now < deadline, "the output did not end:\n{}", state.text());
            state = cvar.wait_timeout(state, deadline - now).unwrap().0;
        }
        state.text()
    }

    /// Every line so far.
    pub fn output(&self) -> String {
        self.output.0.lock().unwrap().text()
    }

    /// Sends `signal` to the process group: the command and what it started (as a terminal
    /// does for Ctrl-C).
    pub fn signal_group(&self, signal: i32) {
        // SAFETY: kill(2) on the process group this test started.
        unsafe { libc::kill(-(self.child.id() as i32), signal) };
    }

    pub fn signal(&self, signal: i32) {
        // SAFETY: kill(2) on our own child.
        unsafe { libc::kill(self.child.id() as i32, signal) };
    }

    pub fn wait_exit(&mut self, timeout: Duration) -> Option<i32> {
        self.wait_end(timeout).and_then(|status| status.code())
    }

    /// The exit status once the command has ended (by exiting or by a signal), `None` if it
    /// is still running after `timeout`.
    pub fn wait_end(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the process group this test started.
        unsafe { libc::kill(-(self.child.id() as i32), libc::SIGKILL) };
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// GETs `path` until the body contains `text` (an update may take a moment to be served).
pub fn body_with(port: u16, path: &str, text: &str) -> String {
    let deadline = Instant::now() + patience(Duration::from_secs(10));
    loop {
        let body = http_get(port, path).unwrap_or_default();
        if body.contains(text) {
            return body;
        }
        assert!(Instant::now() < deadline, "never served {text:?} at {path}; last: {body:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// One `GET` on a fresh connection; the body of a 200 response, or what went wrong.
pub fn http_get(port: u16, path: &str) -> Result<String, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect: {e}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).map_err(|e| e.to_string())?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .map_err(|e| format!("write: {e}"))?;
    let mut response = String::new();
    stream.read_to_string(&mut response).map_err(|e| format!("read: {e}"))?;
    match response.split_once("\r\n\r\n") {
        Some((head, body)) if head.starts_with("HTTP/1.1 200") => Ok(body.to_string()),
        _ => Err(format!("bad response: {response:?}")),
    }
}

/// Requests sent continuously by a few client threads until stopped (or `limit` in all).
pub struct Load {
    stop: Arc<AtomicBool>,
    clients: Vec<JoinHandle<LoadReport>>,
}

#[derive(Default, Debug)]
pub struct LoadReport {
    pub ok: usize,
    pub failed: Vec<String>,
    /// When each failure happened (in the order of `failed` per client).
    pub failed_at: Vec<Instant>,
    pub bodies: Vec<String>,
}

impl LoadReport {
    /// The spans in which requests failed: failures less than `gap` apart belong to one.
    pub fn outages(&self, gap: Duration) -> Vec<Duration> {
        let mut times = self.failed_at.clone();
        times.sort();
        let mut outages: Vec<(Instant, Instant)> = Vec::new();
        for at in times {
            match outages.last_mut() {
                Some((_, end)) if at.duration_since(*end) < gap => *end = at,
                _ => outages.push((at, at)),
            }
        }
        outages.into_iter().map(|(start, end)| end - start).collect()
    }
}

impl Load {
    pub fn start(port: u16, clients: usize, limit: usize) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let per_client = limit / clients.max(1);
        let clients = (0..clients)
            .map(|_| {
                let stop = Arc::clone(&stop);
                std::thread::spawn(move || {
                    let mut report = LoadReport::default();
                    while !stop.load(Ordering::Relaxed) && report.ok + report.failed.len() < per_client {
                        match http_get(port, "/") {
                            Ok(body) => {
                                report.ok += 1;
                                report.bodies.push(body);
                            }
                            Err(err) => {
                                report.failed.push(err);
                                report.failed_at.push(Instant::now());
                                // A server that is down refuses at once: retrying without a
                                // pause would only count the same outage many times over.
                                std::thread::sleep(Duration::from_millis(1));
                            }
                        }
                    }
                    report
                })
            })
            .collect();
        Self { stop, clients }
    }

    pub fn stop(self) -> LoadReport {
        self.stop.store(true, Ordering::Relaxed);
        let mut total = LoadReport::default();
        for client in self.clients {
            let report = client.join().unwrap();
            total.ok += report.ok;
            total.failed.extend(report.failed);
            total.failed_at.extend(report.failed_at);
            total.bodies.extend(report.bodies);
        }
        total
    }
}

/// Whether a process is running: it exists and is not a zombie (an orphan's zombie waits for
/// whichever process reaps orphans here, which may be slow or never).
pub fn process_alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command name, which is in parentheses and may contain spaces.
        Ok(stat) => stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().next()) != Some("Z"),
        Err(_) => false,
    }
}

/// `examples/node_modules`, installed with `npm ci` from `examples/package-lock.json` the first
/// time a test needs it: the frameworks the examples use come from the npm registry.
pub fn examples_node_modules() -> PathBuf {
    npm_installed("examples")
}

/// `<folder>/node_modules` of a folder of the repository, installed with `npm ci` from its
/// lockfile the first time a test needs it. A stamp holding the lockfile it was installed from
/// saves the install on later runs.
pub fn npm_installed(folder: &str) -> PathBuf {
    static INSTALLED: Mutex<Vec<(String, PathBuf)>> = Mutex::new(Vec::new());
    let mut installed = INSTALLED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, path)) = installed.iter().find(|(f, _)| f == folder) {
        return path.clone();
    }
    let dir = repo_root().join(folder);
    let lockfile =
        std::fs::read(dir.join("package-lock.json")).unwrap_or_else(|_| panic!("{folder}/package-lock.json"));
    let stamp = dir.join("node_modules/.hotnode-installed-from");
    if std::fs::read(&stamp).ok().as_deref() != Some(&lockfile[..]) {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .status()
            .expect("npm runs (it comes with node)");
        assert!(status.success(), "npm ci in {folder}/ failed ({status})");
        std::fs::write(&stamp, &lockfile).unwrap();
    }
    let path = dir.join("node_modules");
    installed.push((folder.to_string(), path.clone()));
    path
}
