//! One hotnode session: the loop that takes every input (file events, runtime messages, the
//! app's exit, signals) from one channel, one at a time, and hands it to the part that owns
//! it: the app's files (the store, the watcher and the change set: what changed and what goes
//! with it), the peers (the attached processes and what each holds), the supervisor (the app
//! process's life) and the rounds (one update across processes, for the terminal line).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

/// How long an update may take before hotnode says it is stuck (and the next save restarts).
const UPDATE_STALL: Duration = Duration::from_secs(5);

use hotnode_server::protocol::{HotnodeMessage, RestartReason, RuntimeMessage};
use hotnode_server::socket::ConnectionEvent;
use hotnode_server::store::{LoadError, ModuleStore};
use hotnode_server::watch::Batch;

use crate::app_process::{Launch, NodeLauncher, signal_process};
use crate::files::AppFiles;
use crate::inbox::{Event, Inbox};
use crate::keeper::client::Keeper;
use crate::peers::{Delivered, Peers};
use crate::report::Reporter;
use crate::rounds::{Finished, Outcome, Rounds};
use crate::supervisor::{AppState, Attached, Supervisor};

pub struct Session {
    launch: Launch,
    files: AppFiles,
    reporter: Reporter,
    events: Sender<Event>,
    inbox: Inbox,
    peers: Peers,
    supervisor: Supervisor<NodeLauncher>,
    /// Starts the app's processes and ends what they leave behind.
    keeper: Arc<Keeper>,
    /// Updates sent and not yet settled by every process they went to.
    rounds: Rounds,
    /// `module.hot.check()` requests (connection, request id) waiting for their answer.
    pending_checks: Vec<(u64, u64)>,
    /// App files node loaded itself (not hot): a change of one restarts the app.
    unserved: BTreeSet<PathBuf>,
    /// The update said to be stuck (see `report_stall`).
    stall_reported: Option<u64>,
    /// A file whose change restarts the app changed while a start was under way, with the
    /// generation of the latest start then: that start's process may have read it before the
    /// change, and restarts once it has started (see `on_files`).
    reload_after_start: Option<(PathBuf, u64)>,
    /// The process showing a prompt on the terminal, which writes hotnode's lines above it.
    prompt: Option<u64>,
}

impl Session {
    pub fn new(
        launch: Launch,
        store: ModuleStore,
        reporter: Reporter,
        keeper: Arc<Keeper>,
    ) -> anyhow::Result<(Self, mpsc::Receiver<Event>)> {
        let (tx, rx) = mpsc::channel();
        let files_tx = std::sync::Mutex::new(tx.clone());
        let files = AppFiles::open(store, &launch, move |path, change| {
            if let Ok(tx) = files_tx.lock() {
                let _ = tx.send(Event::File(path, change));
            }
        })?;
        let exits = tx.clone();
        let on_exit = move |generation, exit| {
            let _ = exits.send(Event::AppExited { generation, exit });
        };
        let launcher = NodeLauncher { keeper: Arc::clone(&keeper), launch: launch.clone(), on_exit: Arc::new(on_exit) };
        let supervisor = Supervisor::new(launcher);
        let (peers, rounds, inbox, pending_checks, unserved) = Default::default();
        let stall_reported = None;
        Ok((
            Self {
                launch,
                keeper,
                files,
                reporter,
                events: tx,
                inbox,
                peers,
                supervisor,
                rounds,
                pending_checks,
                unserved,
                stall_reported,
                reload_after_start: None,
                prompt: None,
            },
            rx,
        ))
    }

    pub fn sender(&self) -> Sender<Event> {
        self.events.clone()
    }

    /// Runs until the app has exited for good; returns hotnode's exit code.
    pub fn run(mut self, events: mpsc::Receiver<Event>) -> i32 {
        if let Err(code) = self.supervisor.start(&self.reporter) {
            return code;
        }
        loop {
            let deadline = self
                .supervisor
                .deadline()
                .into_iter()
                .chain(self.files.changes.deadline())
                .chain(self.stall_deadline())
                .min();
            let timeout = deadline.map_or(Duration::from_secs(3600), |d| d.saturating_duration_since(Instant::now()));
            let next = match self.inbox.deferred.pop_front() {
                Some(event) => Ok(event),
                None => events.recv_timeout(timeout),
            };
            let exit = match next {
                Ok(Event::File(path, change)) => {
                    self.inbox.files.add(path, change);
                    let batch = self.inbox.queued_files(&events);
                    self.on_files(batch, &events);
                    None
                }
                Ok(Event::Connection(event)) => {
                    self.on_connection(event);
                    if !self.pending_checks.is_empty() {
                        self.answer_checks(&events);
                    }
                    None
                }
                Ok(Event::AppExited { generation, exit }) => {
                    let code = self.supervisor.app_exited(generation, exit, &mut self.peers, &self.reporter);
                    // What the app started and left behind goes with it (a restart starts it
                    // again); before hotnode exits, it is waited for.
                    self.keeper.end_left_behind(self.peers.pids().into_iter().collect());
                    if code.is_some() {
                        self.keeper.wait_endings();
                    }
                    code
                }
                Ok(Event::Signal { signal, forward }) => self.supervisor.signal(signal, forward),
                Err(RecvTimeoutError::Timeout) => {
                    self.on_deadline(&events);
                    None
                }
                Err(RecvTimeoutError::Disconnected) => Some(1),
            };
            if let Some(code) = exit {
                return code;
            }
            // A start took the standby: it runs the app now, with what a start resolves afresh.
            if let Some(id) = self.supervisor.take_go() {
                let retried = self.files.store.retry_unresolved();
                if !retried.is_empty() {
                    self.send_standby_update(&retried);
                }
                self.peers.promote(id);
                self.peers.send(id, &HotnodeMessage::Go);
            }
        }
    }

    /// `module.hot.check()` asked for every change already seen: the file events queued before
    /// the answer are processed (their updates sent) first.
    fn answer_checks(&mut self, events: &mpsc::Receiver<Event>) {
        // What the watcher has not delivered yet is made current first: a save finished just
        // before the check is part of it.
        self.files.catch_up();
        let batch = self.inbox.queued_files(events);
        if !batch.is_empty() {
            self.on_files(batch, events);
        }
        // A read that looked cut short is taken as it is: the check is of what is on disk now.
        let suspects = self.files.changes.every_suspect();
        if !suspects.is_empty() {
            self.on_files(suspects, events);
        }
        for (id, rid) in std::mem::take(&mut self.pending_checks) {
            self.peers.send(id, &HotnodeMessage::Ack { rid });
        }
    }

    /// When the oldest update under way counts as stuck, unless it was said so already.
    fn stall_deadline(&self) -> Option<Instant> {
        let (seq, started, _) = self.rounds.oldest()?;
        (self.stall_reported != Some(seq)).then_some(started + UPDATE_STALL)
    }

    /// An update has not finished in [`UPDATE_STALL`]: said once, naming what it carries. The
    /// next change restarts the app (see `on_files`).
    fn report_stall(&mut self, now: Instant) {
        let Some((seq, started, changed)) = self.rounds.oldest() else { return };
        if self.stall_reported == Some(seq) || now < started + UPDATE_STALL {
            return;
        }
        self.reporter.warn(&format!(
            "the update of {} has not finished, and nothing has moved for {} s: a dispose handler, accept callback or top-level await that does not settle, or code that does not return; the next save restarts the app (unless a debugger is attached)",
            self.reporter.some_paths(changed),
            now.duration_since(started).as_secs()
        ));
        self.stall_reported = Some(seq);
    }

    fn on_deadline(&mut self, events: &mpsc::Receiver<Event>) {
        let now = Instant::now();
        self.report_stall(now);
        // Reads that looked cut short and got no newer event: read again, taken as they are.
        let due = self.files.changes.suspects_due(now);
        if !due.is_empty() {
            self.on_files(due, events);
        }
        for path in self.files.changes.deleted_for_good(now) {
            // Only what a running process holds, or a broken file its update waits on: a file an
            // earlier start loaded is no news.
            if !self.peers.holds(&path) && !self.files.changes.is_broken(&path) {
                continue;
            }
            self.reporter.warn(&format!(
                "{} was deleted; its importers keep the last version until it is restored",
                self.reporter.path(&path)
            ));
        }
        self.supervisor.on_deadline(now, &mut self.peers, &self.reporter);
    }

    fn on_connection(&mut self, event: ConnectionEvent) {
        match event {
            ConnectionEvent::Connected { id, writer, process } => {
                match self.supervisor.attached(&process, id, &self.reporter, &self.launch.node) {
                    Attached::Stale => {
                        self.reporter
                            .verbose(&format!("process {} belongs to an earlier start; stopping it", process.pid));
                        signal_process(process.pid, libc::SIGTERM);
                        return;
                    }
                    Attached::Standby => {
                        self.reporter.verbose(&format!("standby process {} attached", process.pid));
                        self.peers.attach(id, process, writer);
                        return;
                    }
                    Attached::Welcome => {}
                }
                self.reporter.verbose(&format!("process {} attached", process.pid));
                if process.parent.is_none() && !process.sidecar {
                    self.files.store.follow_node(process.require_module.unwrap_or(true));
                    // A start (also a restart) resolves afresh what did not resolve before: a file
                    // may have appeared where no watch could see it.
                    self.files.store.retry_unresolved();
                }
                self.peers.attach(id, process, writer);
            }
            ConnectionEvent::Message { id, message } if self.peers.contains(id) => self.on_message(id, message),
            ConnectionEvent::Message { .. } => {}
            ConnectionEvent::Malformed { error, .. } => {
                self.reporter.warn(&format!("ignored a malformed message from the runtime: {error}"));
            }
            ConnectionEvent::Closed { id } => {
                self.peers.detach(id);
                if self.prompt == Some(id) {
                    self.prompt = None;
                    self.reporter.through_prompt(None);
                }
                for finished in self.rounds.closed(id) {
                    self.report_finished(finished);
                }
                self.supervisor.detached(&self.peers, &self.reporter);
            }
        }
    }

    fn on_message(&mut self, id: u64, message: RuntimeMessage) {
        let Some(process) = self.peers.get(id).map(|p| p.process.clone()) else { return };
        match message {
            RuntimeMessage::Hello { .. } => {}
            RuntimeMessage::Started { modules, ms, cached } => {
                self.files.store.app_started();
                self.reporter.started(&process, &self.launch.entry, modules, ms);
                if cached > 0 {
                    self.reporter.verbose(&format!("{cached} of {modules} modules compiled from the code cache"));
                }
                if process.parent.is_none()
                    && process.thread.is_none()
                    && let Some((path, generation)) = self.reload_after_start.take()
                    && process.generation <= generation
                {
                    self.reporter.info(&format!(
                        "{} changed while the app was starting: restarting it",
                        self.reporter.path(&path)
                    ));
                    self.peers.broadcast(&HotnodeMessage::Reload { path: &path }, None);
                }
                if process.parent.is_none() && process.thread.is_none() {
                    self.supervisor.app_started();
                }
            }
            RuntimeMessage::Fetch { rid, specifier, importer } => {
                let importer = importer.map(PathBuf::from);
                let mut reply = self.peers.fetch(&mut self.files.store, id, rid, &specifier, importer.as_deref());
                // Watched before the process can run them (see `Prepared`).
                self.track(std::mem::take(&mut reply.delivered));
                self.peers.send_prepared(reply);
            }
            RuntimeMessage::Check { rid } => self.pending_checks.push((id, rid)),
            RuntimeMessage::Updated {
                changed,
                reevaluated,
                accepted,
                next_import,
                refreshed,
                refreshed_functions,
                failed,
                ms,
            } => {
                // In manual mode the app decides what to apply and when: nothing is retried for it.
                if !self.launch.manual_apply {
                    let taken = [accepted.as_slice(), next_import.as_slice(), refreshed.as_slice()].concat();
                    self.files.changes.note_outcome(&changed, &reevaluated, &taken, &failed);
                }
                let outcome = Outcome {
                    changed,
                    reevaluated: reevaluated.len(),
                    accepted,
                    next_import,
                    refreshed,
                    refreshed_functions,
                    failed,
                    ms,
                };
                if let Some(finished) = self.rounds.updated(id, outcome) {
                    self.report_finished(finished);
                }
            }
            RuntimeMessage::Settled { seq } => {
                for finished in self.rounds.settled(id, seq) {
                    self.report_finished(finished);
                }
            }
            RuntimeMessage::Restart { rid, path, reason, chain, why: not_refreshed } => {
                if let AppState::Restarting { .. } | AppState::Stopping { .. } = self.supervisor.state() {
                    // Already on its way: the other processes were told to go too.
                    if let Some(rid) = rid {
                        self.peers.send(id, &HotnodeMessage::Ack { rid });
                    }
                    return;
                }
                let why = if reason == RestartReason::Watched && self.unserved.contains(Path::new(&path)) {
                    format!("{} changed (node loaded it, not hotnode)", self.reporter.path(&path))
                } else if reason == RestartReason::Watched && self.files.is_config(Path::new(&path)) {
                    format!("{} changed (it decides how modules load)", self.reporter.path(&path))
                } else if reason == RestartReason::Watched && Path::new(&path).is_symlink() {
                    format!("{} changed (a symbolic link: what it names now loads)", self.reporter.path(&path))
                } else {
                    self.reporter.restart_reason(&path, reason, &chain)
                };
                let why = match &process.role {
                    Some(role) => format!("{why} in {role} {}", process.pid),
                    None => why,
                };
                let why = match not_refreshed {
                    Some(not_refreshed) => format!("{why}; not refreshed: {not_refreshed}"),
                    None => why,
                };
                if !self.launch.restart {
                    self.reporter
                        .warn(&format!("cannot apply hot: {why}; keeping the old code running (--no-restart)"));
                    return;
                }
                self.supervisor.restart();
                self.reporter.info(&format!("restarting: {why}"));
                // The whole app restarts, from the process hotnode started: a forked process
                // cannot be replaced alone, its parent holds it (its IPC channel, its `Worker`
                // object and the listeners on them). Every other process runs its dispose
                // handlers and exits; the app's own start forks them again.
                self.peers.broadcast(&HotnodeMessage::Reload { path: Path::new(&path) }, Some(id));
                if let Some(rid) = rid {
                    self.peers.send(id, &HotnodeMessage::Ack { rid });
                }
            }
            RuntimeMessage::Invalidate { path, message } => {
                let message = message.map(|m| format!(": {m}")).unwrap_or_default();
                self.reporter.info(&format!("{} invalidated itself{message}", self.reporter.path(&path)));
            }
            RuntimeMessage::Loaded { path, how } => {
                let path = PathBuf::from(path);
                if self.unserved.contains(&path) || self.files.store.get(&path).is_some() {
                    return;
                }
                if let Err(err) = self.files.watch_unserved(&path) {
                    self.reporter.warn(&err.to_string());
                }
                self.reporter.warn(&format!(
                    "{} was loaded by {how}, around hotnode: it is not hot, and a change of it restarts the app",
                    self.reporter.path(&path)
                ));
                self.unserved.insert(path);
            }
            RuntimeMessage::Signal { .. } if process.parent.is_none() => self.supervisor.app_got_signal(),
            RuntimeMessage::Signal { .. } => {}
            RuntimeMessage::Prompt { open } => {
                if open {
                    self.prompt = Some(id);
                } else if self.prompt == Some(id) {
                    self.prompt = None;
                }
                self.reporter.through_prompt(self.prompt.and_then(|id| self.peers.queue(id)));
            }
            RuntimeMessage::Custom { event, data } => {
                self.reporter.verbose(&format!("custom event {event} from process {}: {data}", process.pid));
                self.peers.broadcast(&HotnodeMessage::Custom { event: &event, data: &data }, Some(id));
            }
        }
    }

    fn on_files(&mut self, batch: Batch, events: &mpsc::Receiver<Event>) {
        let (restart_for, changes): (Batch, Batch) =
            batch.into_iter().partition(|(p, _)| restarts_app(&self.launch, &self.unserved, &self.files, p));
        let restarting = !restart_for.is_empty();
        if restarting {
            self.restart_for(&restart_for);
        }
        if changes.is_empty() {
            return;
        }
        let crashed = self.supervisor.state() == AppState::Crashed;
        let (inbox, launch, unserved) = (&mut self.inbox, &self.launch, &self.unserved);
        let refreshed = self.files.refresh(
            changes,
            crashed,
            || inbox.queued_files(events),
            |files, p| restarts_app(launch, unserved, files, p),
        );
        for err in refreshed.broken {
            self.report_broken(err);
        }
        for path in &refreshed.mended {
            self.reporter.mended(path);
        }
        let changed = refreshed.changed;
        if restarting {
            // The app is on its way out: what its next start runs takes the change (the standby,
            // or the store a new process reads from).
            if !changed.is_empty() {
                self.send_standby_update(&changed);
            }
        } else if !changed.is_empty() {
            self.apply(changed);
        }
        // After the update that went out with them: the running app takes it, then restarts.
        if !refreshed.restart_for.is_empty() {
            self.restart_for(&refreshed.restart_for);
        }
    }

    /// A file that restarts the app changed (`restart_for` holds each such file of a batch).
    fn restart_for(&mut self, restart_for: &Batch) {
        let resets = restart_for.iter().any(|(p, _)| self.files.is_config(p) || is_switched_link(p, &self.files.store));
        let watched = restart_for[0].0.clone();
        if resets {
            // Resolution and transforms follow the new config from the next start on (a
            // standby loaded them by the old one, and read the old environment).
            self.files.forget_all();
            self.supervisor.discard_standby();
        }
        // The running app restarts through the runtime, so `vite:beforeFullReload` and
        // dispose handlers run; a crashed one starts.
        if self.supervisor.state() == AppState::Running && !self.peers.is_empty() {
            self.peers.broadcast(&HotnodeMessage::Reload { path: &watched }, None);
        } else if !self
            .supervisor
            .start_after_crash(&self.reporter, &format!("{} changed", self.reporter.path(&watched)))
        {
            // A start is under way (a restart, a process not yet connected): the change must
            // not be lost, so that start restarts once it has started, unless a later start
            // reads the files after this change anyway.
            self.reload_after_start = Some((watched, self.supervisor.generation()));
        }
    }

    /// Module changes for the app: an update for the running app, a start for a crashed one.
    fn apply(&mut self, changed: Vec<PathBuf>) {
        // Under a debugger the update may be paused at a breakpoint: it is waited for.
        let debugging = self.launch.node_args.iter().any(|a| a.starts_with("--inspect"));
        if !debugging
            && self.stall_reported.is_some_and(|seq| self.rounds.oldest().is_some_and(|(oldest, ..)| oldest == seq))
            && self.supervisor.restart()
        {
            // The app is stuck in an update: this change goes in with a restart (the process is
            // killed if it does not exit in the grace: its event loop may be blocked).
            self.reporter.info(&format!(
                "restarting: {} changed while the last update has not finished",
                self.reporter.path(&changed[0])
            ));
            self.rounds.abandon();
            self.stall_reported = None;
            self.peers.broadcast(&HotnodeMessage::Reload { path: &changed[0] }, None);
            // The standby that takes the restart runs this change too.
            self.send_standby_update(&changed);
            return;
        }
        let names: Vec<String> = changed.iter().map(|p| self.reporter.path(p)).collect();
        if self.supervisor.state() != AppState::Running {
            // No process runs the app (a restart under way, a crash): the standby that will
            // takes the change.
            self.send_standby_update(&changed);
        }
        if self.supervisor.start_after_crash(&self.reporter, &format!("{} changed", names.join(", "))) {
            return;
        }
        if self.supervisor.state() == AppState::Running {
            let changed = self.files.changes.with_retries(changed, &self.files.store);
            self.send_update(&changed);
        }
    }

    fn send_standby_update(&mut self, changed: &[PathBuf]) {
        let seq = self.rounds.next_seq();
        let mut prepared = self.peers.prepare_standby_update(&mut self.files.store, seq, changed);
        self.track(std::mem::take(&mut prepared.delivered));
        self.peers.send_prepared(prepared);
    }

    fn send_update(&mut self, changed: &[PathBuf]) {
        let seq = self.rounds.next_seq();
        let mut prepared = self.peers.prepare_update(&mut self.files.store, seq, changed);
        // In manual mode the app applies whenever it chooses: each `updated` stands alone, with
        // the runtime's own time.
        if !self.launch.manual_apply {
            self.rounds.open(seq, prepared.recipients(), Instant::now(), changed);
        }
        // Watch the new modules' folders before the app can run them: a save right after the
        // app printed their first output must be seen.
        self.track(std::mem::take(&mut prepared.delivered));
        self.peers.send_prepared(prepared);
    }

    /// Modules went to a process (see [`AppFiles::track`]).
    fn track(&mut self, delivered: Delivered) {
        for err in self.files.track(delivered, &self.reporter) {
            self.report_broken(err);
        }
    }

    fn report_broken(&mut self, err: LoadError) {
        self.reporter.broken(&err);
        self.peers.broadcast(&HotnodeMessage::Error { err: &err.to_vite_error() }, None);
    }

    fn report_finished(&self, finished: Finished) {
        self.reporter.finished(&finished, self.peers.len());
    }
}

/// Whether a change of `path` restarts the app rather than update it.
fn restarts_app(launch: &Launch, unserved: &BTreeSet<PathBuf>, files: &AppFiles, path: &Path) -> bool {
    launch.watch.iter().any(|w| path.starts_with(w))
        || launch.hot_hook_restart.matches(path)
        || unserved.contains(path)
        || files.is_config(path)
        || is_switched_link(path, &files.store)
}

/// A symbolic link made or switched that a module names: modules are known by their real
/// paths (as node knows them), so what resolved through the link resolves again, at a restart.
/// (Walks the modules' named paths: only for a link's event, never for a module's save.)
fn is_switched_link(path: &Path, store: &hotnode_server::store::ModuleStore) -> bool {
    !store.contains(path) && path.is_symlink() && store.named_through(path)
}
