//! One hotnode session: the event loop that owns the module store, the watcher, the runtime
//! connections and the app process. Every input (file batches, runtime messages, the app's
//! exit, signals) arrives on one channel and is handled here, one at a time.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::Write;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hotnode_server::protocol::{self, FailedModule, ProcessInfo, RuntimeMessage, TargetJson};
use hotnode_server::resolve::Target;
use hotnode_server::socket::ConnectionEvent;
use hotnode_server::store::{self, Closure, LoadError, ModuleStore, Refresh};
use hotnode_server::watch::{Batch, Batcher, Change, FileWatcher, Stamp};

use crate::app_process::{AppProcess, Exit, Launch, signal_process};
use crate::node_version;
use crate::report::Reporter;
use crate::rounds::{Finished, Outcome, Rounds};

/// How long a process that asked for a restart (or was told to stop) may take to exit.
const EXIT_GRACE: Duration = Duration::from_secs(5);
/// How long a batch of file changes waits for more events. Zero: the batch takes what has
/// already arrived, and files whose events arrive while it is read and transformed join it
/// (see `late_arrivals`), so the work itself is the window and a single save pays nothing.
/// Python writing two files back to back, or an editor saving all, lands in one batch.
const BATCH_QUIET: Duration = Duration::ZERO;
/// A batch that keeps growing (a checkout of many files) closes after this long.
const BATCH_MAX_WAIT: Duration = Duration::from_millis(50);
/// How long a signal sent to hotnode waits for the app's runtime to say it got the signal too
/// (sent to the whole process group by npm, concurrently or a test) before hotnode sends it on.
const FORWARD_WAIT: Duration = Duration::from_millis(250);
/// How long a module's file must stay deleted before hotnode says so.
const DELETED_GRACE: Duration = Duration::from_millis(300);

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

struct Connection {
    writer: UnixStream,
    process: ProcessInfo,
    /// Modules whose code this process holds.
    sent: HashSet<PathBuf>,
}

impl Connection {
    fn send(&mut self, line: &str) {
        let _ = self.writer.write_all(line.as_bytes());
    }
}

enum AppState {
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
        /// When to send the signal on to the app, unless its runtime says it got it first.
        forward_at: Option<Instant>,
    },
}

pub struct Session {
    launch: Launch,
    store: ModuleStore,
    watcher: FileWatcher,
    reporter: Reporter,
    events: Sender<Event>,
    connections: HashMap<u64, Connection>,
    app: Option<AppProcess>,
    generation: u64,
    state: AppState,
    /// Files that failed to load, with the message last reported (reported once per content).
    broken: HashMap<PathBuf, String>,
    /// Updates sent and not yet settled by every process they went to.
    rounds: Rounds,
    batcher: Batcher,
    /// Events that arrived while a batch was being collected, handled after it.
    deferred: VecDeque<Event>,
    /// `module.hot.check()` requests (connection, request id) waiting for their answer.
    pending_checks: Vec<(u64, u64)>,
    /// Whether the process of the current start has said hello (the runtime is running).
    root_attached: bool,
    /// hotnode's exit code once the app has stopped, when something no change can fix (a node
    /// too old) ended the session.
    fatal: Option<i32>,
    /// Modules whose file was deleted, with when to say so if it is still gone.
    deleted: HashMap<PathBuf, Instant>,
    /// Modules a failed update left unapplied (see `note_unapplied`).
    unapplied: Vec<PathBuf>,
}

impl Session {
    pub fn new(
        launch: Launch,
        store: ModuleStore,
        reporter: Reporter,
    ) -> anyhow::Result<(Self, mpsc::Receiver<Event>)> {
        let (tx, rx) = mpsc::channel();
        let files_tx = Mutex::new(tx.clone());
        // The socket's folder is private to this session: the watcher's marker file goes there.
        let private_dir = launch.socket.parent().unwrap_or(Path::new("/tmp")).to_path_buf();
        let watcher = FileWatcher::new(&private_dir, move |path, change| {
            if let Ok(tx) = files_tx.lock() {
                let _ = tx.send(Event::File(path, change));
            }
        })?;
        let mut watcher = watcher;
        for path in &launch.watch {
            watcher.watch_path(path)?;
        }
        let session = Self {
            launch,
            store,
            watcher,
            reporter,
            events: tx,
            connections: HashMap::new(),
            app: None,
            generation: 0,
            state: AppState::Running,
            broken: HashMap::new(),
            rounds: Rounds::default(),
            batcher: Batcher::new(BATCH_QUIET, BATCH_MAX_WAIT),
            deferred: VecDeque::new(),
            pending_checks: Vec::new(),
            root_attached: false,
            fatal: None,
            deleted: HashMap::new(),
            unapplied: Vec::new(),
        };
        Ok((session, rx))
    }

    pub fn sender(&self) -> Sender<Event> {
        self.events.clone()
    }

    /// Runs until the app has exited for good; returns hotnode's exit code.
    pub fn run(mut self, events: mpsc::Receiver<Event>) -> i32 {
        if let Err(code) = self.start_app() {
            return code;
        }
        loop {
            let state_deadline = match &self.state {
                AppState::Restarting { deadline } => Some(*deadline),
                AppState::Stopping { deadline, forward_at, .. } => {
                    Some(forward_at.map_or(*deadline, |at| at.min(*deadline)))
                }
                _ => None,
            };
            let timeout = state_deadline
                .into_iter()
                .chain(self.deleted.values().copied())
                .min()
                .map_or(Duration::from_secs(3600), |deadline| deadline.saturating_duration_since(Instant::now()));
            let next = match self.deferred.pop_front() {
                Some(event) => Ok(event),
                None => events.recv_timeout(timeout),
            };
            match next {
                Ok(Event::File(path, change)) => {
                    self.batcher.add(path, change);
                    self.collect_batch(&events);
                    let batch = self.batcher.take();
                    self.on_files(batch, &events);
                }
                Ok(Event::Connection(event)) => {
                    self.on_connection(event);
                    if !self.pending_checks.is_empty() {
                        self.answer_checks(&events);
                    }
                }
                Ok(Event::AppExited { generation, exit }) if generation == self.generation => {
                    if let Some(code) = self.on_app_exit(exit) {
                        return code;
                    }
                }
                Ok(Event::AppExited { .. }) => {}
                Ok(Event::Signal { signal, forward }) => {
                    if let Some(code) = self.on_signal(signal, forward) {
                        return code;
                    }
                }
                Err(RecvTimeoutError::Timeout) => self.on_deadline(),
                Err(RecvTimeoutError::Disconnected) => return 1,
            }
        }
    }

    /// Waits for the rest of a batch; other events that arrive meanwhile are deferred.
    fn collect_batch(&mut self, events: &mpsc::Receiver<Event>) {
        loop {
            let wait = self.batcher.wait();
            let next = if wait.is_zero() {
                events.try_recv().map_err(|_| RecvTimeoutError::Timeout)
            } else {
                events.recv_timeout(wait)
            };
            match next {
                Ok(Event::File(path, change)) => self.batcher.add(path, change),
                Ok(other) => self.deferred.push_back(other),
                Err(_) => return,
            }
        }
    }

    /// `module.hot.check()` asked for every change already seen: the file events queued before
    /// the answer are processed (their updates sent) first.
    fn answer_checks(&mut self, events: &mpsc::Receiver<Event>) {
        let batch = self.late_arrivals(events);
        if !batch.is_empty() {
            self.on_files(batch, events);
        }
        for (id, rid) in std::mem::take(&mut self.pending_checks) {
            if let Some(connection) = self.connections.get_mut(&id) {
                connection.send(&protocol::ack(rid));
            }
        }
    }

    /// File events that arrived while a batch was being processed, without waiting.
    fn late_arrivals(&mut self, events: &mpsc::Receiver<Event>) -> Batch {
        while let Ok(event) = events.try_recv() {
            match event {
                Event::File(path, change) => self.batcher.add(path, change),
                other => self.deferred.push_back(other),
            }
        }
        self.batcher.take()
    }

    fn start_app(&mut self) -> Result<(), i32> {
        self.generation += 1;
        self.root_attached = false;
        let generation = self.generation;
        let tx = Mutex::new(self.events.clone());
        match AppProcess::spawn(&self.launch, generation, move |exit| {
            if let Ok(tx) = tx.lock() {
                let _ = tx.send(Event::AppExited { generation, exit });
            }
        }) {
            Ok(app) => {
                self.app = Some(app);
                self.state = AppState::Running;
                Ok(())
            }
            Err(err) => {
                self.reporter.error(&node_version::cannot_run(&self.launch.node, &err));
                Err(1)
            }
        }
    }

    fn on_app_exit(&mut self, exit: Exit) -> Option<i32> {
        let root = self.app.take().map(|app| app.pid as u32);
        self.connections.retain(|_, c| Some(c.process.pid) != root);
        // Processes the app forked go with it: a forked child holding the port would keep the
        // next start from listening.
        for connection in self.connections.values() {
            signal_process(connection.process.pid, libc::SIGTERM);
        }
        if let Some(code) = self.fatal {
            return Some(code);
        }
        if !self.root_attached
            && matches!(self.state, AppState::Running | AppState::Crashed)
            && let Some(problem) = node_version::probe(&self.launch.node)
        {
            // It ended before the runtime ran: a node that cannot run hotnode's runtime, which
            // no change of the app will fix.
            self.reporter.error(&problem);
            return Some(1);
        }
        match self.state {
            AppState::Restarting { .. } => {
                if self.connections.is_empty() {
                    return self.start_app().err();
                }
                self.state = AppState::Restarting { deadline: Instant::now() + EXIT_GRACE };
                None
            }
            AppState::Stopping { .. } => Some(exit.shell_code()),
            AppState::Running | AppState::Crashed => {
                if exit.code == Some(0) {
                    self.reporter.info("app exited with code 0");
                    return Some(0);
                }
                let how = match (exit.code, exit.signal) {
                    (Some(code), _) => format!("code {code}"),
                    (None, Some(signal)) => format!("signal {signal}"),
                    _ => "an unknown status".into(),
                };
                self.reporter.error(&format!("app exited with {how}; waiting for a change to start it again"));
                self.state = AppState::Crashed;
                None
            }
        }
    }

    fn on_signal(&mut self, signal: i32, forward: bool) -> Option<i32> {
        let Some(app) = self.app.as_ref() else {
            return Some(128 + signal);
        };
        let now = Instant::now();
        // A signal sent to hotnode alone must reach the app; one sent to the whole group has
        // reached it already, which only its runtime can tell: it says so, and hotnode waits
        // a moment for that before sending the signal on (once is what the app expects).
        let forward_at = match (forward, self.root_attached) {
            (false, _) => None,
            (true, true) => Some(now + FORWARD_WAIT),
            (true, false) => {
                app.signal(signal);
                None
            }
        };
        self.state = AppState::Stopping { deadline: now + EXIT_GRACE, signal, forward_at };
        None
    }

    fn on_deadline(&mut self) {
        self.report_deleted();
        if let AppState::Stopping { signal, forward_at: Some(at), deadline } = self.state
            && Instant::now() >= at
        {
            if let Some(app) = &self.app {
                app.signal(signal);
            }
            self.state = AppState::Stopping { deadline, signal, forward_at: None };
            return;
        }
        match self.state {
            AppState::Restarting { deadline } if Instant::now() >= deadline && self.app.is_none() => {
                self.reporter.warn("a forked process did not exit in time; killing it");
                for connection in self.connections.values() {
                    signal_process(connection.process.pid, libc::SIGKILL);
                }
                self.connections.clear();
                let _ = self.start_app();
            }
            AppState::Restarting { deadline } | AppState::Stopping { deadline, .. } if Instant::now() >= deadline => {
                if let Some(app) = &self.app {
                    self.reporter.warn("the app did not exit in time; killing it");
                    app.signal(libc::SIGKILL);
                }
                if let AppState::Stopping { signal, .. } = self.state {
                    self.state = AppState::Stopping { deadline: Instant::now() + EXIT_GRACE, signal, forward_at: None };
                } else {
                    self.state = AppState::Restarting { deadline: Instant::now() + EXIT_GRACE };
                }
            }
            _ => {}
        }
    }

    /// Keeps what a failed update left unapplied, so that a fix of what it failed on (a
    /// dependency that threw or failed to load) brings it in: the edit of the importer must not
    /// be lost. A clean update of them clears them.
    fn note_unapplied(
        &mut self,
        changed: &[String],
        reevaluated: &[String],
        accepted: &[String],
        failed: &[FailedModule],
    ) {
        if self.launch.manual_apply {
            return;
        }
        if failed.is_empty() {
            self.unapplied.retain(|p| !changed.iter().chain(reevaluated).any(|c| Path::new(c) == p));
            return;
        }
        // Nothing accepted: none of the update's changes runs. Else only the failed ones.
        let left: Vec<&String> = match accepted.is_empty() {
            true => changed.iter().collect(),
            false => failed.iter().map(|f| &f.id).collect(),
        };
        for path in left {
            push_once(&mut self.unapplied, PathBuf::from(path));
        }
    }

    /// Deleted modules whose grace is over and that are still gone.
    fn report_deleted(&mut self) {
        let now = Instant::now();
        let due: Vec<PathBuf> = self.deleted.iter().filter(|(_, at)| **at <= now).map(|(p, _)| p.clone()).collect();
        for path in due {
            self.deleted.remove(&path);
            if !path.exists() {
                self.reporter.warn(&format!(
                    "{} was deleted; its importers keep the last version until it is restored",
                    self.reporter.path(&path)
                ));
            }
        }
    }

    fn on_connection(&mut self, event: ConnectionEvent) {
        match event {
            ConnectionEvent::Connected { id, writer, process } => {
                if process.generation != self.generation || self.app.is_none() {
                    // Forked by an app process that has since exited (a restart came first).
                    self.reporter.verbose(&format!("process {} belongs to an earlier start; stopping it", process.pid));
                    signal_process(process.pid, libc::SIGTERM);
                    return;
                }
                self.reporter.verbose(&format!("process {} attached", process.pid));
                if process.parent.is_none() {
                    self.root_attached = true;
                    if let Some(problem) =
                        process.node.as_deref().and_then(|version| node_version::problem(&self.launch.node, version))
                    {
                        self.reporter.error(&problem);
                        self.fatal = Some(1);
                        self.on_signal(libc::SIGTERM, true);
                    }
                }
                self.connections.insert(id, Connection { writer, process, sent: HashSet::new() });
            }
            ConnectionEvent::Message { id, message } => {
                if self.connections.contains_key(&id) {
                    self.on_message(id, message);
                }
            }
            ConnectionEvent::Malformed { error, .. } => {
                self.reporter.warn(&format!("ignored a malformed message from the runtime: {error}"));
            }
            ConnectionEvent::Closed { id } => {
                self.connections.remove(&id);
                for finished in self.rounds.closed(id) {
                    self.report_finished(finished);
                }
                if matches!(self.state, AppState::Restarting { .. })
                    && self.app.is_none()
                    && self.connections.is_empty()
                {
                    let _ = self.start_app();
                }
            }
        }
    }

    fn on_message(&mut self, id: u64, message: RuntimeMessage) {
        match message {
            RuntimeMessage::Hello { .. } => {}
            RuntimeMessage::Started { modules, ms } => {
                self.store.app_started();
                let process = &self.connections[&id].process;
                match &process.role {
                    None => {
                        let entry = self.reporter.path(&self.launch.entry);
                        self.reporter.info(&format!("started {entry} ({modules} modules, {ms:.0} ms)"));
                    }
                    Some(role) => {
                        let entry = process.entry.as_deref().map(|e| self.reporter.path(e)).unwrap_or_default();
                        self.reporter
                            .info(&format!("{role} {} started {entry} ({modules} modules, {ms:.0} ms)", process.pid));
                    }
                }
            }
            RuntimeMessage::Fetch { rid, specifier, importer } => {
                self.on_fetch(id, rid, &specifier, importer.as_deref())
            }
            RuntimeMessage::Check { rid } => self.pending_checks.push((id, rid)),
            RuntimeMessage::Updated { changed, reevaluated, accepted, failed, ms } => {
                self.note_unapplied(&changed, &reevaluated, &accepted, &failed);
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
            RuntimeMessage::Restart { rid, path, reason, chain, .. } => {
                if let AppState::Restarting { .. } | AppState::Stopping { .. } = self.state {
                    // Already on its way: the other processes were told to go too.
                    if let (Some(rid), Some(connection)) = (rid, self.connections.get_mut(&id)) {
                        connection.send(&protocol::ack(rid));
                    }
                    return;
                }
                let why = match reason.as_str() {
                    "declined" => format!("{} declined updates", self.reporter.path(&path)),
                    "declined-dependency" => format!(
                        "{} declined updates of {}",
                        chain.last().map_or_else(String::new, |p| self.reporter.path(p)),
                        self.reporter.path(&path)
                    ),
                    "watched" => format!("{} changed (--watch)", self.reporter.path(&path)),
                    _ => {
                        let names: Vec<String> = chain.iter().map(|c| self.reporter.path(c)).collect();
                        format!("no module accepts the update ({})", names.join(" -> "))
                    }
                };
                let process = &self.connections[&id].process;
                let why = match &process.role {
                    Some(role) => format!("{why} in {role} {}", process.pid),
                    None => why,
                };
                if self.launch.restart {
                    self.reporter.info(&format!("restarting: {why}"));
                    self.state = AppState::Restarting { deadline: Instant::now() + EXIT_GRACE };
                    // The whole app restarts, from the process hotnode started: a forked process
                    // cannot be replaced alone, its parent holds it (its IPC channel, its
                    // `Worker` object and the listeners on them). Every other process runs its
                    // dispose handlers and exits; the app's own start forks them again.
                    let reload = protocol::reload_message(Path::new(&path));
                    for (other, connection) in &mut self.connections {
                        if *other != id {
                            connection.send(&reload);
                        }
                    }
                    if let (Some(rid), Some(connection)) = (rid, self.connections.get_mut(&id)) {
                        connection.send(&protocol::ack(rid));
                    }
                } else {
                    self.reporter
                        .warn(&format!("cannot apply hot: {why}; keeping the old code running (--no-restart)"));
                }
            }
            RuntimeMessage::Invalidate { path, message } => {
                let message = message.map(|m| format!(": {m}")).unwrap_or_default();
                self.reporter.info(&format!("{} invalidated itself{message}", self.reporter.path(&path)));
            }
            RuntimeMessage::Signal { .. } => {
                let from_root = self.connections.get(&id).is_some_and(|c| c.process.parent.is_none());
                if let (true, AppState::Stopping { forward_at, .. }) = (from_root, &mut self.state) {
                    *forward_at = None;
                }
            }
            RuntimeMessage::Custom { event, data } => {
                let pid = self.connections[&id].process.pid;
                self.reporter.verbose(&format!("custom event {event} from process {pid}: {data}"));
                let line = format!("{}\n", serde_json::json!({ "type": "custom", "event": event, "data": data }));
                for (other, connection) in &mut self.connections {
                    if *other != id {
                        connection.send(&line);
                    }
                }
            }
        }
    }

    fn on_fetch(&mut self, id: u64, rid: u64, specifier: &str, importer: Option<&str>) {
        let importer = importer.map(PathBuf::from);
        let target = self.store.resolve(importer.as_deref(), specifier);
        let Some(connection) = self.connections.get_mut(&id) else {
            return;
        };
        let (target_json, closure) = match target {
            Target::App(path) => {
                let closure = self.store.closure(&path, &mut connection.sent);
                let target = match closure.failures.iter().find(|f| f.path() == path) {
                    Some(failure) => TargetJson::Error { error: failure.to_string() },
                    None => TargetJson::App { id: path.to_string_lossy().into_owned() },
                };
                (target, closure)
            }
            Target::External(external) => (TargetJson::External { external }, Closure::default()),
            Target::Missing(error) => (TargetJson::Error { error }, Closure::default()),
        };
        let Closure { paths, payloads, failures } = closure;
        self.track_sent(&paths, failures);
        let jsons: Vec<&str> = payloads.iter().map(|p| &**p).collect();
        let reply = protocol::modules_reply(rid, &target_json, &jsons);
        if let Some(connection) = self.connections.get_mut(&id) {
            connection.send(&reply);
        }
    }

    fn on_files(&mut self, mut batch: Batch, events: &mpsc::Receiver<Event>) {
        if let Some(watched) = batch.iter().find(|(p, _)| self.launch.watch.iter().any(|w| p.starts_with(w))) {
            let watched = watched.0.clone();
            self.restart_for(&watched);
            return;
        }
        let mut changed: Vec<PathBuf> = Vec::new();
        while !batch.is_empty() {
            self.refresh_files(batch, &mut changed);
            batch = self.late_arrivals(events);
        }
        if changed.is_empty() {
            return;
        }
        match self.state {
            AppState::Crashed => {
                self.reporter.info(&format!("{} changed: starting the app again", self.names(&changed)));
                let _ = self.start_app();
            }
            AppState::Running => {
                // What a failed update left goes again when this change is below it (a fix of
                // what it failed on); an unrelated update does not retry it.
                let mut changed = changed;
                let retry: Vec<PathBuf> =
                    self.unapplied.iter().filter(|u| self.store.depends_on(u, &changed)).cloned().collect();
                for path in retry {
                    push_once(&mut changed, path);
                }
                self.send_update(&changed)
            }
            AppState::Restarting { .. } | AppState::Stopping { .. } => {}
        }
    }

    /// Re-reads the files of a batch the app depends on; the ones whose content changed and
    /// transform cleanly are added to `changed` (each once).
    fn refresh_files(&mut self, batch: Batch, changed: &mut Vec<PathBuf>) {
        let mut appeared = false;
        // Read first, then learn whether a writer was at work on any of these files when they
        // were read (a formatter rewriting the file in place right after the save that brought
        // it): such a read is half a file. It is dropped; the writer's close brings the file back.
        let mut reads: HashMap<PathBuf, (Stamp, Result<String, LoadError>)> = batch
            .iter()
            .filter(|(path, _)| self.store.contains(path) && path.exists())
            .map(|(path, _)| (path.clone(), (self.watcher.stamp(path), store::read_source(path))))
            .collect();
        if !reads.is_empty() {
            self.watcher.sync();
            reads.retain(|path, (stamp, _)| self.watcher.still(path, *stamp));
        }
        for (path, change) in batch {
            let known = self.store.contains(&path) || self.broken.contains_key(&path);
            if !known {
                // A file appeared that may satisfy an import that failed; and a crashed app may
                // have crashed on exactly that import: any file written beside its modules
                // restarts it.
                if change == Change::Written {
                    appeared = true;
                    if matches!(self.state, AppState::Crashed) {
                        push_once(changed, path);
                    }
                }
                continue;
            }
            if change == Change::Removed && !path.exists() {
                // Said only if it is still gone a moment later: an editor that renames the old
                // file away before writing the new one (vim) has not deleted anything.
                self.deleted.entry(path).or_insert_with(|| Instant::now() + DELETED_GRACE);
                continue;
            }
            self.deleted.remove(&path);
            if !self.store.contains(&path) {
                // A file that failed at its first load: the update of its importers failed on
                // it, so they go again (the file travels with them as a new dependency); a
                // crashed app starts again.
                self.broken.remove(&path);
                for importer in self.store.importers_of(&path) {
                    push_once(changed, importer);
                }
                push_once(changed, path);
                continue;
            }
            let Some((_, read)) = reads.remove(&path) else {
                // Being written (or gone again since the event): its next event brings it.
                continue;
            };
            match self.store.refresh(&path, read) {
                Refresh::Unchanged => {
                    self.broken.remove(&path);
                    // A save of a module whose update failed retries it, even as it was (what
                    // it threw on may have been outside the code).
                    if self.unapplied.contains(&path) {
                        push_once(changed, path);
                    }
                }
                Refresh::Changed => {
                    self.broken.remove(&path);
                    push_once(changed, path);
                }
                Refresh::Failed(err) => self.report_broken(err),
            }
        }
        if appeared {
            for path in self.store.retry_unresolved() {
                push_once(changed, path);
            }
        }
    }

    /// A `--watch` path changed: the running app restarts (through the runtime, so
    /// `vite:beforeFullReload` and dispose handlers run); a crashed one starts.
    fn restart_for(&mut self, path: &Path) {
        match self.state {
            AppState::Running if !self.connections.is_empty() => {
                let line = protocol::reload_message(path);
                for connection in self.connections.values_mut() {
                    connection.send(&line);
                }
            }
            AppState::Crashed => {
                self.reporter.info(&format!("{} changed: starting the app again", self.reporter.path(path)));
                let _ = self.start_app();
            }
            _ => {}
        }
    }

    fn send_update(&mut self, changed: &[PathBuf]) {
        let mut newly_sent = Vec::new();
        let mut load_failures = Vec::new();
        let seq = self.rounds.next_seq();
        let mut messages: Vec<(u64, String)> = Vec::new();
        for (&id, connection) in self.connections.iter_mut() {
            let mut payloads: Vec<Arc<str>> = Vec::new();
            for path in changed {
                if !connection.sent.contains(path) {
                    continue;
                }
                let Some(module) = self.store.get(path) else {
                    continue;
                };
                payloads.push(Arc::clone(&module.json));
                // New static dependencies travel with their importer (CommonJS needs them
                // before its synchronous require).
                let new_deps: Vec<PathBuf> =
                    module.static_deps.iter().filter(|d| !connection.sent.contains(*d)).cloned().collect();
                for dep in new_deps {
                    let closure = self.store.closure(&dep, &mut connection.sent);
                    payloads.extend(closure.payloads);
                    newly_sent.extend(closure.paths);
                    load_failures.extend(closure.failures);
                }
            }
            if payloads.is_empty() {
                continue;
            }
            let jsons: Vec<&str> = payloads.iter().map(|p| &**p).collect();
            messages.push((id, protocol::update_message(seq, &jsons)));
        }
        // In manual mode the app applies whenever it chooses: each `updated` stands alone, with
        // the runtime's own time.
        if !self.launch.manual_apply {
            self.rounds.open(seq, messages.iter().map(|(id, _)| *id), Instant::now());
        }
        // Watch the new modules' folders before the app can run them: a save right after the
        // app printed their first output must be seen.
        self.track_sent(&newly_sent, load_failures);
        for (id, message) in messages {
            if let Some(connection) = self.connections.get_mut(&id) {
                connection.send(&message);
            }
        }
    }

    /// After modules were sent to a process: watch their folders, so their next save is seen,
    /// and report the ones that failed to load (watched too: the importer's import fails on
    /// them and applies at their next good save).
    fn track_sent(&mut self, sent: &[PathBuf], failures: Vec<LoadError>) {
        for path in sent {
            if let Err(err) = self.watcher.watch_folder_of(path) {
                self.reporter.warn(&err.to_string());
            }
        }
        for failure in failures {
            let _ = self.watcher.watch_folder_of(failure.path());
            self.report_broken(failure);
        }
    }

    fn report_broken(&mut self, err: LoadError) {
        let message = err.to_string();
        if self.broken.get(err.path()).is_some_and(|m| *m == message) {
            return;
        }
        self.reporter.error_block(&message, err.frame().unwrap_or(""));
        self.reporter.info("the app keeps running; the file is applied at its next good save");
        let line = protocol::error_message(&err.to_vite_error());
        for connection in self.connections.values_mut() {
            connection.send(&line);
        }
        self.broken.insert(err.path().to_path_buf(), message);
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
        let processes = self.connections.len().max(finished.took);
        let processes = (processes > 1).then_some((finished.took, processes));
        self.reporter.updated(&total.changed, total.reevaluated, &total.accepted, ms, processes);
    }

    fn names(&self, paths: &[PathBuf]) -> String {
        paths.iter().map(|p| self.reporter.path(p)).collect::<Vec<_>>().join(", ")
    }
}

fn push_once(paths: &mut Vec<PathBuf>, path: PathBuf) {
    if !paths.contains(&path) {
        paths.push(path);
    }
}

pub fn entry_path(entry: &Path) -> anyhow::Result<PathBuf> {
    let absolute = std::env::current_dir()?.join(entry);
    if absolute.is_dir() {
        anyhow::bail!("the entry {} is a folder; name a module file", entry.display());
    }
    std::fs::canonicalize(&absolute).map_err(|_| anyhow::anyhow!("cannot find the entry module {}", entry.display()))
}
