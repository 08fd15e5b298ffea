//! The processes attached to the session (the app's, and those it forked): what each has been
//! sent, the answers to their fetches, and the delivery of updates. Every write goes through a
//! per-process queue drained by its own thread, so a process that does not read (paused in a
//! debugger, or stuck) never stalls the session's loop.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, Sender};

use hotnode_server::protocol::{FailureKind, HotnodeMessage, ProcessInfo, TargetJson};
use hotnode_server::resolve::Target;
use hotnode_server::store::{Closure, LoadError, ModuleStore};

use crate::app_process::signal_process;

/// One attached process.
pub struct Peer {
    pub process: ProcessInfo,
    /// Modules whose code this process holds (empty for a sidecar: its owner holds them).
    sent: HashSet<PathBuf>,
    /// For a sidecar, the connection of the process it fetches for.
    owner: Option<u64>,
    writes: Sender<String>,
}

impl Peer {
    /// Queues `line` for the process; its writer thread sends it.
    fn send(&self, line: String) {
        // A closed queue means the process is gone: its `Closed` event is on its way.
        let _ = self.writes.send(line);
    }
}

/// Modules that went to processes: their folders must be watched, and the ones that failed to
/// load reported.
#[derive(Default)]
pub struct Delivered {
    pub sent: Vec<PathBuf>,
    pub failures: Vec<LoadError>,
}

/// Messages that carry modules, ready to go: written to the processes by
/// [`Peers::send_prepared`] only after the caller has watched the modules' folders, so that a
/// save right after the app ran a new module (and printed its first output) is seen.
pub struct Prepared {
    messages: Vec<(u64, String)>,
    /// Recipients that do not run the app (a standby): they take the code and answer nothing.
    silent: HashSet<u64>,
    pub delivered: Delivered,
}

impl Prepared {
    /// The processes the messages go to that answer them.
    pub fn recipients(&self) -> impl Iterator<Item = u64> + '_ {
        self.messages.iter().map(|(id, _)| *id).filter(|id| !self.silent.contains(id))
    }
}

#[derive(Default)]
pub struct Peers {
    peers: HashMap<u64, Peer>,
}

impl Peers {
    /// A process presented the token. `writer` is its socket (anything that can be written,
    /// in tests a pipe); a thread writes to it what is queued.
    pub fn attach(&mut self, id: u64, process: ProcessInfo, writer: impl Write + Send + 'static) {
        let (writes, queue) = mpsc::channel::<String>();
        let spawned = std::thread::Builder::new().name(format!("hotnode-peer-{id}")).spawn(move || {
            let mut writer = writer;
            for line in queue {
                if writer.write_all(line.as_bytes()).is_err() {
                    return;
                }
            }
        });
        if spawned.is_err() {
            // No thread to write with: the process gets nothing, as if it had gone. It is told
            // nothing wrong, and hotnode keeps running.
            return;
        }
        // A sidecar's fetches fill the `sent` of its process's main connection, which gets
        // the updates of what it holds.
        let owner = if process.sidecar {
            self.peers
                .iter()
                .find(|(_, p)| p.process.pid == process.pid && p.process.thread == process.thread && !p.process.sidecar)
                .map(|(id, _)| *id)
        } else {
            None
        };
        self.peers.insert(id, Peer { process, sent: HashSet::new(), owner, writes });
    }

    /// The attached runtimes running the app (processes and their worker threads), without
    /// sidecars and without a standby (which holds code but runs none of it yet).
    fn processes(&self) -> impl Iterator<Item = (&u64, &Peer)> {
        self.peers.iter().filter(|(_, p)| !p.process.sidecar && !p.process.standby)
    }

    /// The standby whose connection is `id` becomes the app's process (with its sidecar).
    pub fn promote(&mut self, id: u64) {
        let Some(pid) = self.peers.get(&id).map(|p| p.process.pid) else { return };
        for peer in self.peers.values_mut().filter(|p| p.process.pid == pid) {
            peer.process.standby = false;
        }
    }

    pub fn detach(&mut self, id: u64) -> Option<Peer> {
        self.peers.remove(&id)
    }

    pub fn get(&self, id: u64) -> Option<&Peer> {
        self.peers.get(&id)
    }

    pub fn contains(&self, id: u64) -> bool {
        self.peers.contains_key(&id)
    }

    pub fn is_empty(&self) -> bool {
        self.processes().next().is_none()
    }

    pub fn len(&self) -> usize {
        self.processes().count()
    }

    /// The queue of a process's socket: what is sent to it is written in order with the rest.
    pub fn queue(&self, id: u64) -> Option<mpsc::Sender<String>> {
        self.peers.get(&id).map(|p| p.writes.clone())
    }

    pub fn send(&self, id: u64, message: &HotnodeMessage) {
        if let Some(peer) = self.peers.get(&id) {
            peer.send(message.line());
        }
    }

    /// Sends `message` to every process but `except`.
    pub fn broadcast(&self, message: &HotnodeMessage, except: Option<u64>) {
        let line = message.line();
        for (id, peer) in self.processes() {
            if Some(*id) != except {
                peer.send(line.clone());
            }
        }
    }

    /// Forgets the process with `pid` (the app process, which exited).
    pub fn forget_pid(&mut self, pid: u32) {
        self.peers.retain(|_, peer| peer.process.pid != pid);
    }

    /// Sends `signal` to every attached process. Only attached ones: their open connection
    /// shows they are alive, so the pid was not reused.
    pub fn signal_all(&self, signal: i32) {
        // A worker thread's process is signalled once, as itself.
        for (_, peer) in self.processes().filter(|(_, p)| p.process.thread.is_none()) {
            signal_process(peer.process.pid, signal);
        }
    }

    /// Whether some attached process running the app holds the module at `path`.
    pub fn holds(&self, path: &Path) -> bool {
        self.processes().any(|(_, p)| p.sent.contains(path))
    }

    /// The pids of the attached processes.
    pub fn pids(&self) -> std::collections::HashSet<i32> {
        self.peers.values().map(|p| p.process.pid as i32).collect()
    }

    pub fn clear(&mut self) {
        self.peers.clear();
    }

    /// The answer to a fetch: how `specifier` resolves from `importer`, with every module of
    /// the target's static closure the process lacks.
    pub fn fetch(
        &mut self,
        store: &mut ModuleStore,
        id: u64,
        rid: u64,
        specifier: &str,
        importer: Option<&Path>,
    ) -> Prepared {
        let target = store.resolve(importer, specifier);
        let holder = self.peers.get(&id).map(|peer| peer.owner.unwrap_or(id));
        let Some(peer) = holder.and_then(|holder| self.peers.get_mut(&holder)) else {
            return Prepared { messages: Vec::new(), silent: HashSet::new(), delivered: Delivered::default() };
        };
        let (target, closure) = match target {
            Target::App(path) => {
                let closure = store.closure(&path, &mut peer.sent);
                let target = match closure.failures.iter().find(|f| f.path() == path) {
                    Some(failure) => TargetJson::Error { error: failure.to_string(), kind: failure.kind() },
                    None => TargetJson::App { id: path.to_string_lossy().into_owned() },
                };
                (target, closure)
            }
            Target::External(external) => (TargetJson::External { external }, Closure::default()),
            Target::Missing(error) => (TargetJson::Error { error, kind: FailureKind::NotFound }, Closure::default()),
        };
        let Closure { paths, payloads, failures } = closure;
        let reply = HotnodeMessage::Modules { rid, target: &target, modules: &payloads }.line();
        Prepared { messages: vec![(id, reply)], silent: HashSet::new(), delivered: Delivered { sent: paths, failures } }
    }

    /// The update of `changed` for each process: the new code of the modules it holds, with
    /// the new static dependencies they bring (CommonJS needs them before its synchronous
    /// `require`). Processes that hold none of them get nothing.
    pub fn prepare_update(&mut self, store: &mut ModuleStore, seq: u64, changed: &[PathBuf]) -> Prepared {
        self.prepare_update_for(store, seq, changed, false)
    }

    /// `prepare_update` for a standby alone: while no process runs the app (a restart under
    /// way, a crash), the one that will still takes every change.
    pub fn prepare_standby_update(&mut self, store: &mut ModuleStore, seq: u64, changed: &[PathBuf]) -> Prepared {
        self.prepare_update_for(store, seq, changed, true)
    }

    fn prepare_update_for(
        &mut self,
        store: &mut ModuleStore,
        seq: u64,
        changed: &[PathBuf],
        standby_only: bool,
    ) -> Prepared {
        let mut delivered = Delivered::default();
        let mut messages = Vec::new();
        let mut silent = HashSet::new();
        for (&id, peer) in self.peers.iter_mut().filter(|(_, p)| !standby_only || p.process.standby) {
            let mut payloads: Vec<Arc<str>> = Vec::new();
            for path in changed {
                if !peer.sent.contains(path) {
                    continue;
                }
                let Some(module) = store.get(path) else {
                    continue;
                };
                payloads.push(Arc::clone(&module.json));
                let new_deps: Vec<PathBuf> =
                    module.static_deps.iter().filter(|d| !peer.sent.contains(*d)).cloned().collect();
                for dep in new_deps {
                    let closure = store.closure(&dep, &mut peer.sent);
                    payloads.extend(closure.payloads);
                    delivered.sent.extend(closure.paths);
                    delivered.failures.extend(closure.failures);
                }
            }
            if !payloads.is_empty() {
                messages.push((id, HotnodeMessage::Update { seq, modules: &payloads }.line()));
                if peer.process.standby {
                    silent.insert(id);
                }
            }
        }
        Prepared { messages, silent, delivered }
    }

    pub fn send_prepared(&self, messages: Prepared) {
        for (id, line) in messages.messages {
            if let Some(peer) = self.peers.get(&id) {
                peer.send(line);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader};
    use std::os::unix::net::UnixStream;
    use std::time::Duration;

    use hotnode_server::resolve::Resolver;

    use super::*;
    use crate::test_app::temp_app;

    /// A peer whose socket the test reads.
    fn attach(peers: &mut Peers, id: u64) -> impl Iterator<Item = serde_json::Value> + use<> {
        let (ours, theirs) = UnixStream::pair().unwrap();
        theirs.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        peers.attach(id, ProcessInfo { pid: 1000 + id as u32, ..ProcessInfo::default() }, ours);
        BufReader::new(theirs).lines().map(|line| serde_json::from_str(&line.unwrap()).unwrap())
    }

    #[test]
    fn a_fetch_answers_with_the_closure_and_an_update_goes_only_to_processes_holding_the_module() {
        let dir =
            temp_app("peers-fetch", &[("main.js", "import './a.js';"), ("a.js", "export const a = 1;"), ("b.js", "")]);
        let mut store = ModuleStore::new(Resolver::new(&[]));
        let mut peers = Peers::default();
        let mut first = attach(&mut peers, 1);
        let mut second = attach(&mut peers, 2);
        let prepared = peers.fetch(&mut store, 1, 5, "./main.js", Some(&dir.join("x.js")));
        assert_eq!(prepared.delivered.sent, [dir.join("main.js"), dir.join("a.js")]);
        peers.send_prepared(prepared);
        let reply = first.next().unwrap();
        assert_eq!((reply["type"].as_str(), reply["rid"].as_u64()), (Some("modules"), Some(5)));
        assert_eq!(reply["modules"].as_array().unwrap().len(), 2);

        // a.js now imports b.js: the update carries b.js too, and only to the process holding a.js.
        std::fs::write(dir.join("a.js"), "import './b.js'; export const a = 2;").unwrap();
        let read = hotnode_server::store::read_source(&dir.join("a.js"));
        store.refresh(&dir.join("a.js"), read);
        let prepared = peers.prepare_update(&mut store, 9, &[dir.join("a.js")]);
        assert_eq!(prepared.recipients().collect::<Vec<_>>(), [1]);
        assert_eq!(prepared.delivered.sent, [dir.join("b.js")]);
        peers.send_prepared(prepared);
        let update = first.next().unwrap();
        assert_eq!((update["type"].as_str(), update["seq"].as_u64()), (Some("update"), Some(9)));
        let ids: Vec<&str> = update["modules"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
        assert_eq!(ids, [dir.join("a.js").to_str().unwrap(), dir.join("b.js").to_str().unwrap()]);

        peers.broadcast(&HotnodeMessage::Ack { rid: 3 }, Some(1));
        assert_eq!(second.next().unwrap()["rid"], 3);
    }

    #[test]
    fn a_sidecar_fetches_for_its_process_which_gets_the_updates() {
        let dir = temp_app("peers-sidecar", &[("main.js", ""), ("a.js", "export const a = 1;")]);
        let mut store = ModuleStore::new(Resolver::new(&[]));
        let mut peers = Peers::default();
        let mut main = attach(&mut peers, 1);
        let (ours, theirs) = UnixStream::pair().unwrap();
        theirs.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        peers.attach(2, ProcessInfo { pid: 1001, sidecar: true, ..ProcessInfo::default() }, ours);
        let mut sidecar = BufReader::new(theirs)
            .lines()
            .map(|line| serde_json::from_str::<serde_json::Value>(&line.unwrap()).unwrap());
        assert_eq!(peers.len(), 1, "a sidecar is not a process of its own");

        let prepared = peers.fetch(&mut store, 2, 7, "./a.js", Some(&dir.join("main.js")));
        assert_eq!(prepared.delivered.sent, [dir.join("a.js")]);
        peers.send_prepared(prepared);
        assert_eq!(sidecar.next().unwrap()["rid"], 7);
        // The process holds a.js now: a second fetch of it (from the main thread) carries no code.
        let again = peers.fetch(&mut store, 1, 8, "./a.js", Some(&dir.join("main.js")));
        assert!(again.delivered.sent.is_empty());
        peers.send_prepared(again);

        std::fs::write(dir.join("a.js"), "export const a = 2;").unwrap();
        store.refresh(&dir.join("a.js"), hotnode_server::store::read_source(&dir.join("a.js")));
        let prepared = peers.prepare_update(&mut store, 3, &[dir.join("a.js")]);
        assert_eq!(prepared.recipients().collect::<Vec<_>>(), [1]);
        peers.send_prepared(prepared);
        assert_eq!(main.next().unwrap()["rid"], 8);
        assert_eq!(main.next().unwrap()["seq"], 3);
    }

    #[test]
    fn a_process_that_does_not_read_does_not_stall_the_sender() {
        let mut peers = Peers::default();
        // Never read: the socket's buffer fills, the writer thread blocks, `send` does not.
        let (ours, _theirs) = UnixStream::pair().unwrap();
        peers.attach(1, ProcessInfo::default(), ours);
        let long = "x".repeat(64 * 1024);
        let big = HotnodeMessage::Reload { path: Path::new(&long) };
        let started = std::time::Instant::now();
        for _ in 0..200 {
            peers.send(1, &big);
        }
        assert!(started.elapsed() < Duration::from_secs(5), "sending waited for the reader");
    }
}
