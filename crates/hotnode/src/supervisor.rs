//! The app process's life: its starts (each a new generation), a restart that waits for every
//! process of the old start to exit, a crash that waits for a change, signals sent on exactly
//! once, and the deadlines after which a process that does not exit is killed. It decides; the
//! session carries out what concerns the other processes (through [`Peers`]).

use std::time::{Duration, Instant};

use hotnode_server::protocol::{EXIT_GRACE, ProcessInfo};

use crate::app_process::Exit;
use crate::node_version;
use crate::peers::Peers;
use crate::report::Reporter;

/// How long a signal sent to hotnode waits for the app's runtime to say it got the signal too
/// (sent to the whole process group by npm, concurrently or a test) before hotnode sends it on.
pub const FORWARD_WAIT: Duration = Duration::from_millis(250);

/// How long the app's runtime has to say it got a signal (its handler runs on the event loop).
/// Silence means the loop is blocked (a module looping forever): no handler of the app's can
/// run, so waiting out the exit grace only delays the kill.
pub const SIGNAL_ANSWER_WAIT: Duration = Duration::from_secs(1);

/// What the supervisor needs of the outside world to run the app: a fake in tests.
pub trait Launcher {
    /// Starts the app's process for start number `generation`; its exit is reported later to
    /// [`Supervisor::app_exited`]. The pid, or why it could not start.
    fn spawn(&mut self, generation: u64) -> Result<i32, String>;
    /// Starts a standby process for start `generation` (see [`Standby`]); `None` when this
    /// session uses none.
    fn spawn_standby(&mut self, _generation: u64) -> Option<i32> {
        None
    }
    fn signal(&self, pid: i32, signal: i32);
    /// Why the node binary cannot run hotnode's runtime, if it cannot (asked only when the app
    /// ended before its runtime said hello).
    fn probe(&self) -> Option<String>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppState {
    Running,
    /// A process asked for a restart; the app starts again when every process of this start
    /// has exited.
    Restarting {
        deadline: Instant,
    },
    /// The app exited with an error: it starts again on the next change.
    Crashed,
    /// hotnode was told to stop: the app's exit ends hotnode.
    Stopping {
        deadline: Instant,
        signal: i32,
        /// When the signal came.
        since: Instant,
        /// When to send the signal on to the app, unless its runtime says it got it first.
        forward_at: Option<Instant>,
    },
}

/// The next start's process, started while the app runs: node and the runtime are up and the
/// app's modules loaded and compiled (updates keep them current), none of them evaluated. A
/// restart then tells it `go` instead of starting node: the new process is as fresh as a
/// started one (nothing of the old app was ever in it), and ready sooner.
#[derive(Debug, Clone, Copy)]
struct Standby {
    pid: i32,
    generation: u64,
    /// Its connection, once it said hello.
    connection: Option<u64>,
}

/// Set in the generation a standby process's exit is reported with (see
/// [`Supervisor::app_exited`]): a standby stopped unused may share its generation with the
/// process started in its place.
pub const STANDBY_EXIT: u64 = 1 << 63;

/// What a process that attached is to the session.
#[derive(Debug, PartialEq, Eq)]
pub enum Attached {
    Welcome,
    /// The standby process.
    Standby,
    /// Forked by an app process of an earlier start: it is stopped.
    Stale,
}

pub struct Supervisor<L: Launcher> {
    launcher: L,
    state: AppState,
    /// The pid of the process of the current start, while it runs.
    app: Option<i32>,
    generation: u64,
    /// Whether the process of the current start has said hello (the runtime is running).
    root_attached: bool,
    /// hotnode's exit code once the app has stopped, when something no change can fix (a node
    /// too old) ended the session.
    fatal: Option<i32>,
    /// When the app's runtime last said it got a signal.
    heard_at: Option<Instant>,
    /// When the runtime must have said it got the stop signal (see [`SIGNAL_ANSWER_WAIT`]).
    answer_by: Option<Instant>,
    /// The stop's exit code is the signal's (128 + n), not the app's: hotnode killed the app for
    /// not answering, or the signal came during a restart (whose exit is the runtime's, not a
    /// choice of the app's).
    signal_code: bool,
    standby: Option<Standby>,
    /// The standby's connection, told to run the app by the session (see [`Self::take_go`]).
    go: Option<u64>,
    /// The process of the current start was the standby.
    promoted: bool,
}

impl<L: Launcher> Supervisor<L> {
    pub fn new(launcher: L) -> Self {
        Self {
            launcher,
            state: AppState::Running,
            app: None,
            generation: 0,
            root_attached: false,
            fatal: None,
            heard_at: None,
            answer_by: None,
            signal_code: false,
            standby: None,
            go: None,
            promoted: false,
        }
    }

    pub fn state(&self) -> AppState {
        self.state
    }

    /// The number of the latest start.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Starts the app (again). `Err` is hotnode's exit code: node could not be started at all.
    pub fn start(&mut self, reporter: &Reporter) -> Result<(), i32> {
        self.generation += 1;
        self.root_attached = false;
        match self.standby.take() {
            // Still loading, or not even connected: it has a head start either way (it is told
            // `go` when it says hello; it runs the app once its code is loaded).
            Some(Standby { pid, generation, connection }) if generation == self.generation => {
                self.app = Some(pid);
                self.root_attached = connection.is_some();
                self.state = AppState::Running;
                self.go = connection;
                self.promoted = true;
                return Ok(());
            }
            // Of another start: a process starts as without one.
            Some(standby) => self.launcher.signal(standby.pid, libc::SIGKILL),
            None => {}
        }
        self.promoted = false;
        match self.launcher.spawn(self.generation) {
            Ok(pid) => {
                self.app = Some(pid);
                self.state = AppState::Running;
                Ok(())
            }
            Err(message) => {
                reporter.error(&message);
                Err(1)
            }
        }
    }

    /// The app has started: the next start's standby is made ready now (off the path of any
    /// update: it loads while the app serves).
    pub fn app_started(&mut self) {
        if self.standby.is_none() && self.state == AppState::Running {
            self.standby = self.launcher.spawn_standby(self.generation + 1).map(|pid| Standby {
                pid,
                generation: self.generation + 1,
                connection: None,
            });
        }
    }

    /// The standby no longer fits (what decides how modules resolve changed): it is stopped.
    pub fn discard_standby(&mut self) {
        if let Some(standby) = self.standby.take() {
            self.launcher.signal(standby.pid, libc::SIGKILL);
        }
    }

    /// The standby a start took, to be told `go`.
    pub fn take_go(&mut self) -> Option<u64> {
        self.go.take()
    }

    /// A process said hello (`connection`: its connection's id).
    pub fn attached(&mut self, process: &ProcessInfo, connection: u64, reporter: &Reporter, node: &str) -> Attached {
        if process.standby {
            if self.promoted && self.app == Some(process.pid as i32) && process.generation == self.generation {
                // Taken by a start before it said hello.
                if !process.sidecar && process.thread.is_none() {
                    self.root_attached = true;
                    self.go = Some(connection);
                }
                return Attached::Standby;
            }
            return match &mut self.standby {
                Some(standby) if standby.pid as u32 == process.pid && standby.generation == process.generation => {
                    if !process.sidecar && process.thread.is_none() {
                        standby.connection = Some(connection);
                    }
                    Attached::Standby
                }
                _ => Attached::Stale,
            };
        }
        if process.generation != self.generation || self.app.is_none() {
            return Attached::Stale;
        }
        if process.parent.is_none() {
            self.root_attached = true;
            if let Some(problem) = process.node.as_deref().and_then(|version| node_version::problem(node, version)) {
                reporter.error(&problem);
                self.fatal = Some(1);
                self.signal(libc::SIGTERM, true);
            }
        }
        Attached::Welcome
    }

    /// The process of start `generation` exited. `Some(code)` ends hotnode.
    pub fn app_exited(&mut self, generation: u64, exit: Exit, peers: &mut Peers, reporter: &Reporter) -> Option<i32> {
        if generation & STANDBY_EXIT != 0 {
            let generation = generation & !STANDBY_EXIT;
            if !(self.promoted && generation == self.generation) {
                // A standby ended unused (stopped, or its node failed): the next start starts node.
                if self.standby.is_some_and(|s| s.generation == generation) {
                    self.standby = None;
                }
                return None;
            }
        }
        let generation = generation & !STANDBY_EXIT;
        if generation != self.generation {
            return None;
        }
        if let Some(pid) = self.app.take() {
            peers.forget_pid(pid as u32);
        }
        // Processes the app forked go with it: a forked child holding the port would keep the
        // next start from listening.
        peers.signal_all(libc::SIGTERM);
        if let Some(code) = self.fatal {
            return Some(code);
        }
        if !self.root_attached
            && matches!(self.state, AppState::Running | AppState::Crashed)
            && let Some(problem) = self.launcher.probe()
        {
            // It ended before the runtime ran: a node that cannot run hotnode's runtime, which
            // no change of the app will fix.
            reporter.error(&problem);
            return Some(1);
        }
        match self.state {
            AppState::Restarting { .. } => {
                if peers.is_empty() {
                    return self.start(reporter).err();
                }
                self.state = AppState::Restarting { deadline: Instant::now() + EXIT_GRACE };
                None
            }
            AppState::Stopping { signal, .. } if self.signal_code => Some(128 + signal),
            AppState::Stopping { .. } => Some(exit.shell_code()),
            AppState::Running | AppState::Crashed => {
                if exit.code == Some(0) {
                    reporter.info("app exited with code 0");
                    return Some(0);
                }
                let how = match (exit.code, exit.signal) {
                    (Some(code), _) => format!("code {code}"),
                    (None, Some(signal)) => format!("signal {signal}"),
                    _ => "an unknown status".into(),
                };
                reporter.error(&format!("app exited with {how}; waiting for a change to start it again"));
                self.state = AppState::Crashed;
                None
            }
        }
    }

    /// A signal to hotnode; `forward` is false when the app got it too (from the terminal).
    /// `Some(code)` ends hotnode at once (no app to stop).
    pub fn signal(&mut self, signal: i32, forward: bool) -> Option<i32> {
        let Some(pid) = self.app else {
            return Some(128 + signal);
        };
        let now = Instant::now();
        // The same signal again at once is the same request, sent twice: to the whole group and
        // by a launcher in it that passes its own on (npx's, the npm package's); the app must
        // not get it twice. Later, it is someone asking again (a second Ctrl-C), and goes on.
        if let AppState::Stopping { signal: stopping, since, .. } = self.state
            && stopping == signal
            && now < since + FORWARD_WAIT
        {
            return None;
        }
        // A signal sent to hotnode alone must reach the app; one sent to the whole group has
        // reached it already, which only its runtime can tell: it says so, and hotnode waits
        // a moment for that before sending the signal on (once is what the app expects).
        let forward_at = match (forward, self.root_attached) {
            (false, _) => None,
            (true, true) => Some(now + FORWARD_WAIT),
            (true, false) => {
                self.launcher.signal(pid, signal);
                None
            }
        };
        if matches!(self.state, AppState::Restarting { .. }) {
            self.signal_code = true;
        }
        // The app got it from the terminal: its runtime says so at once, unless it did already.
        let heard = self.heard_at.is_some_and(|at| now.duration_since(at) < FORWARD_WAIT);
        self.answer_by = (!forward && self.root_attached && !heard).then_some(now + SIGNAL_ANSWER_WAIT);
        self.state = AppState::Stopping { deadline: now + EXIT_GRACE, signal, since: now, forward_at };
        None
    }

    /// The app's runtime said it got the signal: it need not be sent on, and its handlers run.
    pub fn app_got_signal(&mut self) {
        self.heard_at = Some(Instant::now());
        self.answer_by = None;
        if let AppState::Stopping { forward_at, .. } = &mut self.state {
            *forward_at = None;
        }
    }

    /// A process asked for a restart. False when one is already on its way (or hotnode stops).
    pub fn restart(&mut self) -> bool {
        if let AppState::Restarting { .. } | AppState::Stopping { .. } = self.state {
            return false;
        }
        self.state = AppState::Restarting { deadline: Instant::now() + EXIT_GRACE };
        true
    }

    /// A process of the app detached: the last one of a restart lets the app start again.
    pub fn detached(&mut self, peers: &Peers, reporter: &Reporter) {
        if matches!(self.state, AppState::Restarting { .. }) && self.app.is_none() && peers.is_empty() {
            let _ = self.start(reporter);
        }
    }

    /// A change arrived while the app was crashed: it starts again.
    pub fn start_after_crash(&mut self, reporter: &Reporter, why: &str) -> bool {
        if self.state != AppState::Crashed {
            return false;
        }
        reporter.info(&format!("{why}: starting the app again"));
        let _ = self.start(reporter);
        true
    }

    /// The next moment something is due (see [`Self::on_deadline`]).
    pub fn deadline(&self) -> Option<Instant> {
        match self.state {
            AppState::Restarting { deadline } => Some(deadline),
            AppState::Stopping { deadline, forward_at, .. } => {
                Some([Some(deadline), forward_at, self.answer_by].into_iter().flatten().min().unwrap_or(deadline))
            }
            AppState::Running | AppState::Crashed => None,
        }
    }

    /// Sends a signal whose wait is over; kills what did not exit in its grace.
    pub fn on_deadline(&mut self, now: Instant, peers: &mut Peers, reporter: &Reporter) {
        if let AppState::Stopping { signal, forward_at: Some(at), deadline, since } = self.state
            && now >= at
        {
            if let Some(pid) = self.app {
                self.launcher.signal(pid, signal);
                self.answer_by = Some(now + SIGNAL_ANSWER_WAIT);
            }
            self.state = AppState::Stopping { deadline, signal, since, forward_at: None };
            return;
        }
        if let (AppState::Stopping { .. }, Some(by)) = (self.state, self.answer_by)
            && now >= by
        {
            self.answer_by = None;
            if let Some(pid) = self.app {
                reporter
                    .warn("the app did not answer the signal within a second (its event loop is blocked); killing it");
                self.launcher.signal(pid, libc::SIGKILL);
                self.signal_code = true;
            }
            return;
        }
        match self.state {
            AppState::Restarting { deadline } if now >= deadline && self.app.is_none() => {
                reporter.warn("a forked process did not exit in time; killing it");
                peers.signal_all(libc::SIGKILL);
                peers.clear();
                let _ = self.start(reporter);
            }
            AppState::Restarting { deadline } | AppState::Stopping { deadline, .. } if now >= deadline => {
                if let Some(pid) = self.app {
                    reporter.warn("the app did not exit in time; killing it");
                    self.launcher.signal(pid, libc::SIGKILL);
                }
                let deadline = now + EXIT_GRACE;
                self.state = match self.state {
                    AppState::Stopping { signal, since, .. } => {
                        AppState::Stopping { deadline, signal, since, forward_at: None }
                    }
                    _ => AppState::Restarting { deadline },
                };
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use super::*;

    /// Records what the supervisor did to processes.
    #[derive(Default, Clone)]
    struct FakeLauncher {
        log: Rc<RefCell<Vec<String>>>,
        probe: Option<String>,
    }

    impl Launcher for FakeLauncher {
        fn spawn(&mut self, generation: u64) -> Result<i32, String> {
            self.log.borrow_mut().push(format!("spawn {generation}"));
            Ok(100 + generation as i32)
        }
        fn signal(&self, pid: i32, signal: i32) {
            self.log.borrow_mut().push(format!("signal {pid} {signal}"));
        }
        fn probe(&self) -> Option<String> {
            self.probe.clone()
        }
    }

    fn root(generation: u64) -> ProcessInfo {
        ProcessInfo { pid: 100 + generation as u32, generation, node: Some("20.19.0".into()), ..ProcessInfo::default() }
    }

    fn started() -> (Supervisor<FakeLauncher>, Rc<RefCell<Vec<String>>>, Reporter) {
        let launcher = FakeLauncher::default();
        let log = Rc::clone(&launcher.log);
        let reporter = Reporter::new(true, false);
        let mut supervisor = Supervisor::new(launcher);
        supervisor.start(&reporter).unwrap();
        assert_eq!(supervisor.attached(&root(1), 1, &reporter, "node"), Attached::Welcome);
        (supervisor, log, reporter)
    }

    const CLEAN: Exit = Exit { code: Some(0), signal: None };
    const FAILED: Exit = Exit { code: Some(1), signal: None };

    #[test]
    fn a_restart_starts_the_next_generation_once_the_old_process_exited() {
        let (mut supervisor, log, reporter) = started();
        let mut peers = Peers::default();
        assert!(supervisor.restart());
        assert!(!supervisor.restart(), "a second request joins the first");
        assert_eq!(supervisor.app_exited(1, CLEAN, &mut peers, &reporter), None);
        assert_eq!(supervisor.generation(), 2);
        assert_eq!(supervisor.state(), AppState::Running);
        assert_eq!(*log.borrow(), ["spawn 1", "spawn 2"]);
        // A process forked by the first start that attaches late is stale.
        let late = ProcessInfo { parent: Some(101), ..root(1) };
        assert_eq!(supervisor.attached(&late, 2, &reporter, "node"), Attached::Stale);
    }

    #[test]
    fn a_crash_waits_for_a_change_and_a_clean_exit_ends_hotnode() {
        let (mut supervisor, log, reporter) = started();
        let mut peers = Peers::default();
        assert_eq!(supervisor.app_exited(1, FAILED, &mut peers, &reporter), None);
        assert_eq!(supervisor.state(), AppState::Crashed);
        assert!(supervisor.start_after_crash(&reporter, "main.js changed"));
        assert!(!supervisor.start_after_crash(&reporter, "main.js changed"), "running: no second start");
        supervisor.attached(&root(2), 3, &reporter, "node");
        // An exit of an earlier generation is old news.
        assert_eq!(supervisor.app_exited(1, CLEAN, &mut peers, &reporter), None);
        assert_eq!(supervisor.app_exited(2, CLEAN, &mut peers, &reporter), Some(0));
        assert_eq!(*log.borrow(), ["spawn 1", "spawn 2"]);
    }

    #[test]
    fn a_signal_for_hotnode_alone_is_sent_on_after_the_wait_unless_the_app_says_it_got_it() {
        let (mut supervisor, log, reporter) = started();
        let mut peers = Peers::default();
        assert_eq!(supervisor.signal(libc::SIGTERM, true), None);
        let at = supervisor.deadline().unwrap();
        supervisor.on_deadline(at, &mut peers, &reporter);
        assert_eq!(log.borrow().last().unwrap(), &format!("signal 101 {}", libc::SIGTERM));
        assert_eq!(supervisor.app_exited(1, Exit { code: None, signal: Some(15) }, &mut peers, &reporter), Some(143));

        let (mut supervisor, log, reporter) = started();
        supervisor.signal(libc::SIGINT, true);
        supervisor.app_got_signal();
        // The same signal again at once (the group's copy and a launcher's): the same request.
        supervisor.signal(libc::SIGINT, true);
        assert!(matches!(supervisor.state(), AppState::Stopping { forward_at: None, .. }));
        let deadline = supervisor.deadline().unwrap();
        assert!(deadline >= Instant::now() + EXIT_GRACE - Duration::from_secs(1), "only the exit grace is left");
        assert_eq!(*log.borrow(), ["spawn 1"], "not sent twice");
        // The grace is over: killed.
        supervisor.on_deadline(deadline, &mut peers, &reporter);
        assert_eq!(log.borrow().last().unwrap(), &format!("signal 101 {}", libc::SIGKILL));
    }

    #[test]
    fn a_node_that_cannot_run_the_runtime_ends_hotnode() {
        let launcher = FakeLauncher { probe: Some("hotnode needs Node.js 20 or later".into()), ..Default::default() };
        let reporter = Reporter::new(true, false);
        let mut supervisor = Supervisor::new(launcher);
        supervisor.start(&reporter).unwrap();
        assert_eq!(supervisor.app_exited(1, FAILED, &mut Peers::default(), &reporter), Some(1));

        let (mut supervisor, log, reporter) = started();
        let old = ProcessInfo { node: Some("18.19.0".into()), ..root(1) };
        supervisor.attached(&old, 4, &reporter, "node");
        assert!(matches!(supervisor.state(), AppState::Stopping { .. }));
        assert_eq!(supervisor.app_exited(1, CLEAN, &mut Peers::default(), &reporter), Some(1));
        assert_eq!(*log.borrow(), ["spawn 1"]);
    }

    #[test]
    fn a_signal_the_runtime_does_not_answer_within_a_second_kills_the_app_with_the_signals_code() {
        let (mut supervisor, log, reporter) = started();
        let mut peers = Peers::default();
        // Ctrl-C: the app got it from the terminal, but its event loop is blocked.
        supervisor.signal(libc::SIGINT, false);
        let at = supervisor.deadline().unwrap();
        assert!(at <= Instant::now() + SIGNAL_ANSWER_WAIT, "not the whole exit grace");
        supervisor.on_deadline(at, &mut peers, &reporter);
        assert_eq!(log.borrow().last().unwrap(), &format!("signal 101 {}", libc::SIGKILL));
        assert_eq!(supervisor.app_exited(1, Exit { code: None, signal: Some(9) }, &mut peers, &reporter), Some(130));

        // A runtime that answers has the whole grace for its shutdown, and its own exit code.
        let (mut supervisor, log, reporter) = started();
        supervisor.signal(libc::SIGINT, false);
        supervisor.app_got_signal();
        assert!(supervisor.deadline().unwrap() >= Instant::now() + EXIT_GRACE - Duration::from_secs(1));
        assert_eq!(*log.borrow(), ["spawn 1"]);
        assert_eq!(supervisor.app_exited(1, CLEAN, &mut peers, &reporter), Some(0));

        // Ctrl-C during a restart: the exit is the restart's, the code the signal's.
        let (mut supervisor, _, reporter) = started();
        supervisor.restart();
        supervisor.signal(libc::SIGINT, false);
        supervisor.app_got_signal();
        assert_eq!(supervisor.app_exited(1, CLEAN, &mut peers, &reporter), Some(130));
    }
}
