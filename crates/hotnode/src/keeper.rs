//! The keeper: a small process (hotnode's own binary, started once per session) that starts the
//! app's node processes for hotnode and outlives hotnode long enough to end them.
//!
//! Why a separate process: hotnode itself can be killed with SIGKILL (`kill -9`, the OOM killer,
//! an editor ending a terminal's process tree), and then nothing it runs can end what the app
//! started. The keeper is the app's parent and a child subreaper, so everything the app starts
//! (children, grandchildren, daemons that double-forked and called `setsid`) stays its
//! descendant; it notices hotnode's end by the end of its socket, however hotnode ended, and
//! ends them all (SIGTERM, then SIGKILL after a grace), then exits. The alternatives: a process
//! group (the app must stay in the terminal's foreground group, and a process may leave its
//! group), a pid namespace (the app would see other pids than node gives it, and unprivileged
//! user namespaces are turned off on some distributions), a cgroup (needs a delegated cgroup
//! and someone alive to kill it).
//!
//! It takes requests on the socket whose descriptor follows [`KEEPER_ARG`] (inherited as it
//! is: fd 3 may be node's IPC channel from a parent of hotnode's, which must reach the app), one
//! JSON line each, and answers on the same socket: see [`Request`] and [`Reply`].

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::UnixStream;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::descendants;

/// The argument that makes hotnode's binary the keeper (never a valid hotnode or node option).
pub const KEEPER_ARG: &str = "--hotnode-keeper";

/// How long the app's processes have after SIGTERM when hotnode is gone.
const GRACE: Duration = Duration::from_secs(2);

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Request {
    /// Start a process with stdio inherited; `env` is added to the keeper's environment (which is
    /// hotnode's). Bytes, not strings: paths need not be UTF-8.
    Spawn { program: Vec<u8>, args: Vec<Vec<u8>>, env: Vec<(String, Vec<u8>)> },
    /// End what the app left behind (children the keeper did not start, but not `spare`).
    EndLeftBehind { spare: Vec<i32> },
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Reply {
    Started {
        pid: i32,
    },
    /// The spawn failed with this errno.
    Failed {
        errno: i32,
    },
    /// A process it started has exited (always after its `Started`).
    Exited {
        pid: i32,
        code: Option<i32>,
        signal: Option<i32>,
    },
    /// An `EndLeftBehind` is done: what it ended is gone.
    Ended,
}

/// The keeper's program: serves requests until hotnode's end, then ends everything and exits.
pub fn serve(fd: Option<i32>) -> std::process::ExitCode {
    let Some(fd) = fd.filter(|fd| *fd > 2) else { return std::process::ExitCode::FAILURE };
    // `ps` would say `exe` (it was started through /proc/self/exe).
    // SAFETY: PR_SET_NAME reads a NUL-terminated string of at most 16 bytes.
    unsafe { libc::prctl(libc::PR_SET_NAME, c"hotnode-keeper".as_ptr()) };
    descendants::become_subreaper();
    ignore_stop_signals();
    // SAFETY: hotnode gave the keeper this descriptor (see `client::start`) and nothing else
    // in this process owns it.
    let socket = unsafe { UnixStream::from_raw_fd(fd) };
    // The app must not inherit it.
    // SAFETY: fcntl on a descriptor this process owns.
    unsafe { libc::fcntl(socket.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) };
    let Ok(reader) = socket.try_clone() else { return std::process::ExitCode::FAILURE };
    let writer = Arc::new(Mutex::new(socket));
    for line in BufReader::new(reader).lines() {
        let Ok(line) = line else { break };
        match serde_json::from_str::<Request>(&line) {
            Ok(Request::Spawn { program, args, env }) => spawn(&program, &args, &env, &writer),
            Ok(Request::EndLeftBehind { spare }) => {
                let ending = descendants::end_left_behind(&spare.into_iter().collect());
                let writer = Arc::clone(&writer);
                std::thread::spawn(move || {
                    if let Some(ending) = ending {
                        let _ = ending.join();
                    }
                    send(&writer, &Reply::Ended);
                });
            }
            Err(_) => {}
        }
    }
    // hotnode is gone: the app's processes and all they started get SIGTERM, then SIGKILL.
    descendants::end_all(GRACE);
    std::process::ExitCode::SUCCESS
}

/// Terminal signals reach the whole foreground group, the keeper included; hotnode decides what
/// they do. A handler, not SIG_IGN: handlers do not survive `exec`, so the app gets node's own.
fn ignore_stop_signals() {
    extern "C" fn nothing(_: libc::c_int) {}
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
        // SAFETY: installs a handler that does nothing (async-signal-safe).
        unsafe { libc::signal(signal, nothing as *const () as libc::sighandler_t) };
    }
}

fn spawn(program: &[u8], args: &[Vec<u8>], env: &[(String, Vec<u8>)], writer: &Arc<Mutex<UnixStream>>) {
    let mut command = Command::new(OsStr::from_bytes(program));
    command.args(args.iter().map(|a| OsStr::from_bytes(a)));
    for (name, value) in env {
        command.env(name, OsStr::from_bytes(value));
    }
    command.stdin(Stdio::inherit()).stdout(Stdio::inherit()).stderr(Stdio::inherit());
    // SAFETY: prctl is async-signal-safe. If the keeper itself is killed, the app ends too (the
    // keeper is single-threaded where it spawns, so this is the keeper's death, not a thread's).
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(err) => return send(writer, &Reply::Failed { errno: err.raw_os_error().unwrap_or(libc::EIO) }),
    };
    let pid = child.id() as i32;
    descendants::started(pid);
    send(writer, &Reply::Started { pid });
    let writer = Arc::clone(writer);
    let _ = std::thread::Builder::new().name("keeper-reaper".into()).spawn(move || {
        let (code, signal) = match child.wait() {
            Ok(status) => (status.code(), status.signal()),
            Err(_) => (None, None),
        };
        descendants::reaped(pid);
        send(&writer, &Reply::Exited { pid, code, signal });
    });
}

fn send(writer: &Mutex<UnixStream>, reply: &Reply) {
    if let Ok(mut writer) = writer.lock() {
        let _ = write_line(&mut *writer, reply);
    }
}

/// One message as one JSON line, both ways of the socket.
fn write_line(writer: &mut impl Write, message: &impl Serialize) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(message)?;
    line.push(b'\n');
    writer.write_all(&line)
}

pub mod client {
    //! hotnode's side: starts the keeper, asks it to start processes, and hears their exits.

    use std::collections::HashMap;
    use std::io::{BufRead, BufReader};
    use std::os::fd::AsRawFd;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::net::UnixStream;
    use std::os::unix::process::CommandExt;
    use std::process::{Child, Command, Stdio};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::mpsc;
    use std::sync::{Arc, Condvar, Mutex};

    use super::{KEEPER_ARG, Reply, Request, write_line};
    use crate::app_process::Exit;

    type OnExit = Box<dyn FnOnce(Exit) + Send>;

    /// The running keeper.
    pub struct Keeper {
        writer: Mutex<UnixStream>,
        spawned: Mutex<mpsc::Receiver<Result<i32, i32>>>,
        /// The exit handler of the spawn under way, moved to `exits` when it has a pid.
        next_exit: Arc<Mutex<Option<OnExit>>>,
        /// `EndLeftBehind` requests sent, and `Ended` replies heard.
        endings: Arc<(Mutex<(u64, u64)>, Condvar)>,
        /// Set by `finish`: the socket's end is hotnode's doing.
        finishing: Arc<AtomicBool>,
        process: Mutex<Child>,
    }

    /// What the keeper is told to start.
    pub struct Spawn<'a> {
        pub program: &'a std::ffi::OsStr,
        pub args: Vec<&'a std::ffi::OsStr>,
        pub env: Vec<(&'a str, &'a std::ffi::OsStr)>,
    }

    impl Keeper {
        /// Starts the keeper (hotnode's own binary, through /proc/self/exe so a binary replaced
        /// on disk meanwhile is still this one). `on_lost` runs if the keeper ends while hotnode
        /// runs (it was killed): the app went with it.
        pub fn start(on_lost: impl FnOnce() + Send + 'static) -> std::io::Result<Arc<Self>> {
            let (ours, theirs) = UnixStream::pair()?;
            let their_fd = theirs.as_raw_fd();
            let mut command = Command::new("/proc/self/exe");
            command
                .arg(KEEPER_ARG)
                .arg(their_fd.to_string())
                .stdin(Stdio::inherit())
                .stdout(Stdio::inherit())
                .stderr(Stdio::inherit());
            // SAFETY: fcntl is async-signal-safe; `their_fd` is open in the child, where it is
            // kept open across exec (it is close-on-exec in hotnode).
            unsafe {
                command.pre_exec(move || {
                    if libc::fcntl(their_fd, libc::F_SETFD, 0) < 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
            let process = command.spawn()?;
            drop(theirs);
            let reader = ours.try_clone()?;
            let (spawned_tx, spawned) = mpsc::channel();
            let keeper = Arc::new(Self {
                writer: Mutex::new(ours),
                spawned: Mutex::new(spawned),
                next_exit: Arc::new(Mutex::new(None)),
                endings: Arc::new((Mutex::new((0, 0)), Condvar::new())),
                finishing: Arc::new(AtomicBool::new(false)),
                process: Mutex::new(process),
            });
            let finishing = Arc::clone(&keeper.finishing);
            let next_exit = Arc::clone(&keeper.next_exit);
            let endings = Arc::clone(&keeper.endings);
            std::thread::Builder::new().name("hotnode-keeper".into()).spawn(move || {
                let mut exits: HashMap<i32, OnExit> = HashMap::new();
                for line in BufReader::new(reader).lines() {
                    let Ok(line) = line else { break };
                    match serde_json::from_str::<Reply>(&line) {
                        Ok(Reply::Started { pid }) => {
                            if let Some(on_exit) = next_exit.lock().ok().and_then(|mut n| n.take()) {
                                exits.insert(pid, on_exit);
                            }
                            let _ = spawned_tx.send(Ok(pid));
                        }
                        Ok(Reply::Failed { errno }) => {
                            let _ = spawned_tx.send(Err(errno));
                        }
                        Ok(Reply::Exited { pid, code, signal }) => {
                            if let Some(on_exit) = exits.remove(&pid) {
                                on_exit(Exit { code, signal });
                            }
                        }
                        Ok(Reply::Ended) => {
                            let (count, heard) = &*endings;
                            if let Ok(mut count) = count.lock() {
                                count.1 += 1;
                            }
                            heard.notify_all();
                        }
                        Err(_) => {}
                    }
                }
                // Ended by `finish`, or the keeper is gone: only the latter is news.
                let _ = spawned_tx.send(Err(libc::ECHILD));
                if !finishing.load(Ordering::SeqCst) {
                    on_lost();
                }
            })?;
            Ok(keeper)
        }

        /// Starts a process; `on_exit` hears its exit. The pid, or the spawn's error.
        pub fn spawn(&self, spawn: Spawn, on_exit: impl FnOnce(Exit) + Send + 'static) -> std::io::Result<i32> {
            let request = Request::Spawn {
                program: spawn.program.as_bytes().to_vec(),
                args: spawn.args.iter().map(|a| a.as_bytes().to_vec()).collect(),
                env: spawn.env.iter().map(|(k, v)| (k.to_string(), v.as_bytes().to_vec())).collect(),
            };
            if let Ok(mut next) = self.next_exit.lock() {
                *next = Some(Box::new(on_exit));
            }
            self.send(&request)?;
            let spawned = self.spawned.lock().map_err(|_| lost())?;
            match spawned.recv() {
                Ok(Ok(pid)) => Ok(pid),
                Ok(Err(errno)) if errno != libc::ECHILD => Err(std::io::Error::from_raw_os_error(errno)),
                _ => Err(lost()),
            }
        }

        /// Ends what the app left behind, sparing `spare`; [`Keeper::wait_endings`] waits for it.
        pub fn end_left_behind(&self, spare: Vec<i32>) {
            if self.send(&Request::EndLeftBehind { spare }).is_ok() {
                let (count, _) = &*self.endings;
                if let Ok(mut count) = count.lock() {
                    count.0 += 1;
                }
            }
        }

        /// Waits until every ending asked for is done.
        pub fn wait_endings(&self) {
            let (count, heard) = &*self.endings;
            let Ok(mut count) = count.lock() else { return };
            while count.1 < count.0 {
                match heard.wait_timeout(count, std::time::Duration::from_secs(5)) {
                    Ok((next, timeout)) if !timeout.timed_out() => count = next,
                    _ => return,
                }
            }
        }

        /// hotnode is exiting: the keeper ends what is left and exits; waited for.
        pub fn finish(&self) {
            self.finishing.store(true, Ordering::SeqCst);
            if let Ok(writer) = self.writer.lock() {
                let _ = writer.shutdown(std::net::Shutdown::Both);
            }
            if let Ok(mut process) = self.process.lock() {
                let _ = process.wait();
            }
        }

        fn send(&self, request: &Request) -> std::io::Result<()> {
            write_line(&mut *self.writer.lock().map_err(|_| lost())?, request)
        }
    }

    fn lost() -> std::io::Error {
        std::io::Error::other("hotnode's process keeper has ended")
    }
}
