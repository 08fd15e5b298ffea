//! One hotnode session: the loop that takes every input (file events, runtime messages, the
//! app's exit, signals) from one channel, one at a time, and hands it to the part that owns
//! it: the change set (what changed and what goes with it), the peers (the attached processes
//! and what each holds), the supervisor (the app process's life) and the rounds (one update
//! across processes, for the terminal line).

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use hotnode_server::protocol::{HotnodeMessage, RestartReason, RuntimeMessage};
use hotnode_server::socket::ConnectionEvent;
use hotnode_server::store::{LoadError, ModuleStore};
use hotnode_server::watch::{Batch, Batcher, Change, FileWatcher};

use crate::app_process::{Exit, Launch, NodeLauncher, signal_process};
use crate::changes::ChangeSet;
use crate::peers::{Delivered, Peers};
use crate::report::Reporter;
use crate::rounds::{Finished, Outcome, Rounds};
use crate::supervisor::{AppState, Attached, Supervisor};

pub enum Event {
    File(PathBuf, Change),
    Connection(ConnectionEvent),
    AppExited {
        generation: u64,
        exit: Exit,
    },
    /// A signal to hotnode; `forward` is false when the app got it too (from the terminal).
    Signal {
        signal: i32,
        forward: bool,
    },
}

pub struct Session {
    launch: Launch,
    store: ModuleStore,
    watcher: FileWatcher,
    reporter: Reporter,
    events: Sender<Event>,
    peers: Peers,
    supervisor: Supervisor<NodeLauncher>,
    changes: ChangeSet,
    /// Updates sent and not yet settled by every process they went to.
    rounds: Rounds,
    pending_files: Batcher,
    /// Events that arrived while file events were being drained, handled after them.
    deferred: std::collections::VecDeque<Event>,
    /// `module.hot.check()` requests (connection, request id) waiting for their answer.
    pending_checks: Vec<(u64, u64)>,
}

impl Session {
    pub fn new(
        launch: Launch,
        store: ModuleStore,
        reporter: Reporter,
    ) -> anyhow::Result<(Self, mpsc::Receiver<Event>)> {
        let (tx, rx) = mpsc::channel();
        let files_tx = std::sync::Mutex::new(tx.clone());
        // The socket's folder is private to this session: the watcher's marker file goes there.
        let private_dir = launch.socket.parent().unwrap_or(Path::new("/tmp")).to_path_buf();
        let mut watcher = FileWatcher::new(&private_dir, move |path, change| {
            if let Ok(tx) = files_tx.lock() {
                let _ = tx.send(Event::File(path, change));
            }
        })?;
        for path in &launch.watch {
            watcher.watch_path(path)?;
        }
        let exits = tx.clone();
        let on_exit = move |generation, exit| {
            let _ = exits.send(Event::AppExited { generation, exit });
        };
        let launcher = NodeLauncher { launch: launch.clone(), on_exit: std::sync::Arc::new(on_exit) };
        let session = Self {
            launch,
            store,
            watcher,
            reporter,
            events: tx,
            peers: Peers::default(),
            supervisor: Supervisor::new(launcher),
            changes: ChangeSet::default(),
            rounds: Rounds::default(),
            pending_files: Batcher::default(),
            deferred: Default::default(),
            pending_checks: Vec::new(),
        };
        Ok((session, rx))
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
            let deadline = self.supervisor.deadline().into_iter().chain(self.changes.deadline()).min();
            let timeout = deadline.map_or(Duration::from_secs(3600), |d| d.saturating_duration_since(Instant::now()));
            let next = match self.deferred.pop_front() {
                Some(event) => Ok(event),
                None => events.recv_timeout(timeout),
            };
            let exit = match next {
                Ok(Event::File(path, change)) => {
                    self.pending_files.add(path, change);
                    let batch = self.queued_files(&events);
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
                    self.supervisor.app_exited(generation, exit, &mut self.peers, &self.reporter)
                }
                Ok(Event::Signal { signal, forward }) => self.supervisor.signal(signal, forward),
                Err(RecvTimeoutError::Timeout) => {
                    self.on_deadline();
                    None
                }
                Err(RecvTimeoutError::Disconnected) => Some(1),
            };
            if let Some(code) = exit {
                return code;
            }
        }
    }

    /// Every file event already queued, without waiting; other events are deferred.
    fn queued_files(&mut self, events: &mpsc::Receiver<Event>) -> Batch {
        while let Ok(event) = events.try_recv() {
            match event {
                Event::File(path, change) => self.pending_files.add(path, change),
                other => self.deferred.push_back(other),
            }
        }
        self.pending_files.take()
    }

    /// `module.hot.check()` asked for every change already seen: the file events queued before
    /// the answer are processed (their updates sent) first.
    fn answer_checks(&mut self, events: &mpsc::Receiver<Event>) {
        let batch = self.queued_files(events);
        if !batch.is_empty() {
            self.on_files(batch, events);
        }
        for (id, rid) in std::mem::take(&mut self.pending_checks) {
            self.peers.send(id, &HotnodeMessage::Ack { rid });
        }
    }

    fn on_deadline(&mut self) {
        let now = Instant::now();
        for path in self.changes.deleted_for_good(now) {
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
                if self.supervisor.attached(&process, &self.reporter, &self.launch.node) == Attached::Stale {
                    self.reporter.verbose(&format!("process {} belongs to an earlier start; stopping it", process.pid));
                    signal_process(process.pid, libc::SIGTERM);
                    return;
                }
                self.reporter.verbose(&format!("process {} attached", process.pid));
                self.peers.attach(id, process, writer);
            }
            ConnectionEvent::Message { id, message } if self.peers.contains(id) => self.on_message(id, message),
            ConnectionEvent::Message { .. } => {}
            ConnectionEvent::Malformed { error, .. } => {
                self.reporter.warn(&format!("ignored a malformed message from the runtime: {error}"));
            }
            ConnectionEvent::Closed { id } => {
                self.peers.detach(id);
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
            RuntimeMessage::Started { modules, ms } => {
                self.store.app_started();
                let (who, entry) = match &process.role {
                    None => (String::new(), self.reporter.path(&self.launch.entry)),
                    Some(role) => (
                        format!("{role} {} ", process.pid),
                        process.entry.as_deref().map(|e| self.reporter.path(e)).unwrap_or_default(),
                    ),
                };
                self.reporter.info(&format!("{who}started {entry} ({modules} modules, {ms:.0} ms)"));
            }
            RuntimeMessage::Fetch { rid, specifier, importer } => {
                let importer = importer.map(PathBuf::from);
                let mut reply = self.peers.fetch(&mut self.store, id, rid, &specifier, importer.as_deref());
                // Watched before the process can run them (see `Prepared`).
                self.track(std::mem::take(&mut reply.delivered));
                self.peers.send_prepared(reply);
            }
            RuntimeMessage::Check { rid } => self.pending_checks.push((id, rid)),
            RuntimeMessage::Updated { changed, reevaluated, accepted, failed, ms } => {
                // In manual mode the app decides what to apply and when: nothing is retried for it.
                if !self.launch.manual_apply {
                    self.changes.note_outcome(&changed, &reevaluated, &accepted, &failed);
                }
                let outcome = Outcome { changed, reevaluated: reevaluated.len(), accepted, failed, ms };
                if let Some(finished) = self.rounds.updated(id, outcome) {
                    self.report_finished(finished);
                }
            }
            RuntimeMessage::Settled { seq } => {
                for finished in self.rounds.settled(id, seq) {
                    self.report_finished(finished);
                }
            }
            RuntimeMessage::Restart { rid, path, reason, chain } => {
                if let AppState::Restarting { .. } | AppState::Stopping { .. } = self.supervisor.state() {
                    // Already on its way: the other processes were told to go too.
                    if let Some(rid) = rid {
                        self.peers.send(id, &HotnodeMessage::Ack { rid });
                    }
                    return;
                }
                let why = self.restart_reason(&path, reason, &chain);
                let why = match &process.role {
                    Some(role) => format!("{why} in {role} {}", process.pid),
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
            RuntimeMessage::Signal { .. } if process.parent.is_none() => self.supervisor.app_got_signal(),
            RuntimeMessage::Signal { .. } => {}
            RuntimeMessage::Custom { event, data } => {
                self.reporter.verbose(&format!("custom event {event} from process {}: {data}", process.pid));
                self.peers.broadcast(&HotnodeMessage::Custom { event: &event, data: &data }, Some(id));
            }
        }
    }

    fn restart_reason(&self, path: &str, reason: RestartReason, chain: &[String]) -> String {
        match reason {
            RestartReason::Declined => format!("{} declined updates", self.reporter.path(path)),
            RestartReason::DeclinedDependency => format!(
                "{} declined updates of {}",
                chain.last().map_or_else(String::new, |p| self.reporter.path(p)),
                self.reporter.path(path)
            ),
            RestartReason::Watched => format!("{} changed (--watch)", self.reporter.path(path)),
            RestartReason::Unaccepted => {
                let names: Vec<String> = chain.iter().map(|c| self.reporter.path(c)).collect();
                format!("no module accepts the update ({})", names.join(" -> "))
            }
        }
    }

    fn on_files(&mut self, mut batch: Batch, events: &mpsc::Receiver<Event>) {
        if let Some((watched, _)) = batch.iter().find(|(p, _)| self.launch.watch.iter().any(|w| p.starts_with(w))) {
            let watched = watched.clone();
            // The running app restarts through the runtime, so `vite:beforeFullReload` and
            // dispose handlers run; a crashed one starts.
            if self.supervisor.state() == AppState::Running && !self.peers.is_empty() {
                self.peers.broadcast(&HotnodeMessage::Reload { path: &watched }, None);
            } else {
                self.supervisor.start_after_crash(&self.reporter, &format!("{} changed", self.reporter.path(&watched)));
            }
            return;
        }
        let mut changed: Vec<PathBuf> = Vec::new();
        // Files written while this batch is read and transformed join it: the work is the window.
        while !batch.is_empty() {
            let crashed = self.supervisor.state() == AppState::Crashed;
            let refreshed = self.changes.refresh(batch, &mut self.store, &mut self.watcher, crashed);
            for path in refreshed.changed {
                crate::changes::push_once(&mut changed, path);
            }
            for err in refreshed.broken {
                self.report_broken(err);
            }
            batch = self.queued_files(events);
        }
        if changed.is_empty() {
            return;
        }
        let names: Vec<String> = changed.iter().map(|p| self.reporter.path(p)).collect();
        if self.supervisor.start_after_crash(&self.reporter, &format!("{} changed", names.join(", "))) {
            return;
        }
        if self.supervisor.state() == AppState::Running {
            let changed = self.changes.with_retries(changed, &self.store);
            self.send_update(&changed);
        }
    }

    fn send_update(&mut self, changed: &[PathBuf]) {
        let seq = self.rounds.next_seq();
        let mut prepared = self.peers.prepare_update(&mut self.store, seq, changed);
        // In manual mode the app applies whenever it chooses: each `updated` stands alone, with
        // the runtime's own time.
        if !self.launch.manual_apply {
            self.rounds.open(seq, prepared.recipients(), Instant::now());
        }
        // Watch the new modules' folders before the app can run them: a save right after the
        // app printed their first output must be seen.
        self.track(std::mem::take(&mut prepared.delivered));
        self.peers.send_prepared(prepared);
    }

    /// After modules were sent to a process: watch their folders, so their next save is seen,
    /// and report the ones that failed to load (watched too: the importer's import fails on
    /// them and applies at their next good save).
    fn track(&mut self, delivered: Delivered) {
        for path in &delivered.sent {
            if let Err(err) = self.watcher.watch_folder_of(path) {
                self.reporter.warn(&err.to_string());
            }
        }
        for failure in delivered.failures {
            let _ = self.watcher.watch_folder_of(failure.path());
            if let Some(err) = self.changes.newly_broken(failure) {
                self.report_broken(err);
            }
        }
    }

    fn report_broken(&mut self, err: LoadError) {
        self.reporter.error_block(&err.to_string(), &err.frame().unwrap_or_default());
        self.reporter.info("the app keeps running; the file is applied at its next good save");
        self.peers.broadcast(&HotnodeMessage::Error { err: &err.to_vite_error() }, None);
    }

    /// The terminal lines for an update every process is done with.
    fn report_finished(&self, finished: Finished) {
        if finished.is_empty() {
            return;
        }
        let total = &finished.total;
        for failure in &total.failed {
            self.reporter.error_block(
                &format!("update failed in {}: {}", self.reporter.path(&failure.id), failure.message),
                &failure.stack,
            );
        }
        if finished.took == 0 {
            return;
        }
        let ms = finished.started.map_or(total.ms, |t| t.elapsed().as_secs_f64() * 1000.0);
        let processes = self.peers.len().max(finished.took);
        let processes = (processes > 1).then_some((finished.took, processes));
        self.reporter.updated(&total.changed, total.reevaluated, &total.accepted, ms, processes);
    }
}

pub fn entry_path(entry: &Path) -> anyhow::Result<PathBuf> {
    let absolute = std::env::current_dir()?.join(entry);
    if absolute.is_dir() {
        anyhow::bail!("the entry {} is a folder; name a module file", entry.display());
    }
    std::fs::canonicalize(&absolute).map_err(|_| anyhow::anyhow!("cannot find the entry module {}", entry.display()))
}
