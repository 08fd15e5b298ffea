//! Messages between hotnode and the runtime: newline-delimited JSON, field names as in Vite's
//! HMR payloads where they mean the same thing. Module payloads are serialized once, when the
//! module is transformed, and spliced into every message that carries them.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use hotnode_transform::{ImportAttributes, ModuleExports, ModuleFormat, SourcePhase};
use serde::{Deserialize, Serialize};

/// How one specifier of a module resolves, as the runtime reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum TargetJson {
    App { id: String },
    External { external: String },
    Error { error: String, kind: FailureKind },
}

/// Why a specifier gives no module, which decides the error the app sees (as node's would be).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureKind {
    /// Nothing there: `ERR_MODULE_NOT_FOUND`.
    NotFound,
    /// The file does not parse (JavaScript, TypeScript or JSON): a `SyntaxError`.
    Syntax,
    /// The file is there but cannot be read as a module (permissions, not a file).
    Unreadable,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModulePayload<'a> {
    pub id: &'a str,
    pub url: &'a str,
    pub format: ModuleFormat,
    pub code: &'a str,
    pub deps: &'a BTreeMap<String, TargetJson>,
    /// Imported binding names per specifier (for `acceptExports` and the link-time check).
    pub names: &'a BTreeMap<String, Vec<String>>,
    /// What an ES module exports (the runtime checks its importers' names against it).
    pub exports: &'a ModuleExports,
    /// The ES module awaits at its top level: the runtime evaluates it as an async function.
    #[serde(rename = "async", skip_serializing_if = "std::ops::Not::not")]
    pub is_async: bool,
    /// The import attributes of each declaration of a specifier, where any has some.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: &'a BTreeMap<String, Vec<ImportAttributes>>,
    /// An ES module by its syntax in a package without `"type"`: that package.json (node warns).
    #[serde(rename = "typelessPackage", skip_serializing_if = "Option::is_none")]
    pub typeless_package: Option<std::borrow::Cow<'a, str>>,
    /// The source phase the module uses, which only some nodes parse.
    #[serde(rename = "sourcePhase", skip_serializing_if = "Option::is_none")]
    pub source_phase: Option<&'a SourcePhase>,
    /// Names this version's code (a refresh plan names the one it was made from).
    #[serde(rename = "codeHash")]
    pub code_hash: &'a str,
    /// The new version changes only the bodies of functions with refresh slots: how to put them
    /// in the running instance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh: Option<&'a RefreshPayload>,
}

/// A refresh plan (`hotnode_transform::RefreshPlan`) and the version it was made from.
#[derive(Debug, Clone, Serialize)]
pub struct RefreshPayload {
    pub from: String,
    pub chunks: Vec<hotnode_transform::RefreshChunk>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FailedModule {
    pub id: String,
    pub message: String,
    pub stack: String,
}

/// Who a runtime's process is, from its hello.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ProcessInfo {
    pub pid: u32,
    /// The app process that forked it; none for the process hotnode started.
    #[serde(default)]
    pub parent: Option<u32>,
    /// "cluster worker" or "forked process", for the terminal.
    #[serde(default)]
    pub role: Option<String>,
    /// The app start (hotnode's count) whose process tree it belongs to.
    #[serde(default)]
    pub generation: u64,
    /// A helper thread of process `pid` that fetches modules synchronously for it (a computed
    /// `require`, a module hook): its fetches count as the process's own.
    #[serde(default)]
    pub sidecar: bool,
    /// The worker thread of process `pid` it is (`threadId`); none for a process's main thread.
    #[serde(default)]
    pub thread: Option<u32>,
    /// `process.features.require_module`: `require()` loads ES modules, and node resolves
    /// packages with the "module-sync" condition. A runtime that does not say is taken to.
    #[serde(default, rename = "requireModule")]
    pub require_module: Option<bool>,
    /// The module it runs.
    #[serde(default)]
    pub entry: Option<String>,
    /// `process.versions.node`.
    #[serde(default)]
    pub node: Option<String>,
    /// A standby process: the next start's, ready before it is needed (see `Supervisor`).
    #[serde(default)]
    pub standby: bool,
}

/// Runtime -> hotnode.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum RuntimeMessage {
    Hello {
        token: String,
        #[serde(flatten)]
        process: ProcessInfo,
    },
    /// The entry and its static imports have evaluated; `cached` of the modules were compiled
    /// from the code cache a previous process saved.
    Started {
        modules: usize,
        ms: f64,
        #[serde(default)]
        cached: usize,
    },
    Fetch {
        rid: u64,
        specifier: String,
        importer: Option<String>,
    },
    /// `module.hot.check()`: answered (with an ack) once every change hotnode has seen was sent.
    Check {
        rid: u64,
    },
    /// Every update up to `seq` is done with in this process (its `updated` came first).
    Settled {
        seq: u64,
    },
    Updated {
        changed: Vec<String>,
        reevaluated: Vec<String>,
        accepted: Vec<String>,
        /// `import()` boundaries (hot-hook's): replaced when next imported, not re-evaluated now.
        #[serde(default, rename = "nextImport")]
        next_import: Vec<String>,
        /// Modules whose running functions took new bodies (no accept code, see `refresh.mjs`).
        #[serde(default)]
        refreshed: Vec<String>,
        #[serde(default, rename = "refreshedFunctions")]
        refreshed_functions: usize,
        failed: Vec<FailedModule>,
        ms: f64,
    },
    Restart {
        /// Present when the runtime waits for the acknowledgement before it exits.
        #[serde(default)]
        rid: Option<u64>,
        path: String,
        reason: RestartReason,
        chain: Vec<String>,
        /// Why a change nothing accepts could not be refreshed either.
        #[serde(default)]
        why: Option<String>,
    },
    Invalidate {
        path: String,
        message: Option<String>,
    },
    /// Node loaded a file of the app itself, around hotnode (`how`: by which way): it is not hot,
    /// so hotnode watches it and restarts the app when it changes.
    Loaded {
        path: String,
        how: String,
    },
    /// The process got a signal (SIGINT, SIGTERM, SIGHUP): hotnode need not send it on.
    Signal {
        signal: String,
    },
    Custom {
        event: String,
        #[serde(default)]
        data: serde_json::Value,
    },
    /// A readline prompt is shown on the terminal (`open`), or none is any more: meanwhile
    /// hotnode's lines go to this process as `Print`, to be written above the prompt.
    Prompt {
        open: bool,
    },
}

/// hotnode -> runtime. The runtime's side of this list is `runtime/protocol.mjs`; the golden
/// samples in `runtime/test/protocol-samples/` keep the two the same.
#[derive(Debug, Clone, Copy)]
pub enum HotnodeMessage<'a> {
    /// The reply to a fetch: how the specifier resolved, and the modules the process lacks
    /// (payloads serialized once, spliced in as they are).
    Modules { rid: u64, target: &'a TargetJson, modules: &'a [Arc<str>] },
    /// A request that needs no other answer was taken in (`check`, `restart`).
    Ack { rid: u64 },
    /// Restart the app: a `--watch-path` path changed, or another process of the app restarts.
    Reload { path: &'a Path },
    /// New code of modules the process holds; it answers `settled` with `seq` when done.
    Update { seq: u64, modules: &'a [Arc<str>] },
    /// Vite's error payload, for a file that does not transform.
    Error { err: &'a serde_json::Value },
    /// `hot.send(event, data)` of another process.
    Custom { event: &'a str, data: &'a serde_json::Value },
    /// hotnode's lines, while the process shows a prompt: written above it.
    Print { text: &'a str },
    /// To a standby process (see `Supervisor`'s standby): run the app now.
    Go,
}

impl HotnodeMessage<'_> {
    /// The message as one line of the socket.
    pub fn line(&self) -> String {
        let mut line = match *self {
            HotnodeMessage::Modules { rid, target, modules } => {
                let target = serde_json::to_string(target).expect("targets serialize");
                format!("{{\"type\":\"modules\",\"rid\":{rid},\"target\":{target},\"modules\":[{}]}}", join(modules))
            }
            HotnodeMessage::Update { seq, modules } => {
                format!("{{\"type\":\"update\",\"seq\":{seq},\"modules\":[{}]}}", join(modules))
            }
            HotnodeMessage::Ack { rid } => serde_json::json!({ "type": "ack", "rid": rid }).to_string(),
            HotnodeMessage::Reload { path } => {
                serde_json::json!({ "type": "reload", "path": path.to_string_lossy() }).to_string()
            }
            HotnodeMessage::Error { err } => serde_json::json!({ "type": "error", "err": err }).to_string(),
            HotnodeMessage::Custom { event, data } => {
                serde_json::json!({ "type": "custom", "event": event, "data": data }).to_string()
            }
            HotnodeMessage::Print { text } => serde_json::json!({ "type": "print", "text": text }).to_string(),
            HotnodeMessage::Go => serde_json::json!({ "type": "go" }).to_string(),
        };
        line.push('\n');
        line
    }
}

fn join(payloads: &[Arc<str>]) -> String {
    let mut out = String::with_capacity(payloads.iter().map(|p| p.len() + 1).sum());
    for (i, payload) in payloads.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(payload);
    }
    out
}

/// Why an update cannot be applied hot (`restart.reason`; the planner's `ReloadPlan.reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RestartReason {
    /// The module called `decline()`.
    Declined,
    /// An importer declined updates of the module (webpack's `decline(dep)`); `chain` ends with it.
    DeclinedDependency,
    /// The walk reached the entry and no module accepted.
    Unaccepted,
    /// A `--watch-path` path changed.
    Watched,
}

/// The variables that carry the session to the runtime (and to processes the app forks).
/// `runtime/protocol.mjs` names the same; a test checks they agree.
pub mod env {
    /// The control socket's path.
    pub const SOCKET: &str = "HOTNODE_SOCKET";
    /// The session's token, the first thing a process says.
    pub const TOKEN: &str = "HOTNODE_TOKEN";
    /// `0` with `--no-restart`.
    pub const RESTART: &str = "HOTNODE_RESTART";
    /// `auto` or `manual` (`--apply`).
    pub const APPLY: &str = "HOTNODE_APPLY";
    /// The app start a process belongs to.
    pub const GENERATION: &str = "HOTNODE_GENERATION";
    /// Set by the runtime for a process the app forked: its parent's pid.
    pub const PARENT: &str = "HOTNODE_PARENT";
    /// Set by the runtime for a process the app forked: "cluster worker" or "forked process".
    pub const ROLE: &str = "HOTNODE_ROLE";
    /// `1` for a standby process: it loads the app's code and waits for `go` to run it.
    pub const STANDBY: &str = "HOTNODE_STANDBY";
    pub const ALL: [&str; 8] = [SOCKET, TOKEN, RESTART, APPLY, GENERATION, PARENT, ROLE, STANDBY];
}

/// How long a process that asks for a restart waits for hotnode's `ack` before it goes on.
pub const RESTART_ACK_WAIT: Duration = Duration::from_secs(1);
/// How long the dispose handlers of a restarting process may take before it exits anyway.
pub const RESTART_DISPOSE_WAIT: Duration = Duration::from_secs(3);
/// How long hotnode gives a process that restarts (or was told to stop) before it kills it.
/// A restarting process's own waits nest inside it, so a well-behaved process is never killed.
pub const EXIT_GRACE: Duration = Duration::from_secs(5);
const _: () = assert!(RESTART_ACK_WAIT.as_millis() + RESTART_DISPOSE_WAIT.as_millis() < EXIT_GRACE.as_millis());

#[cfg(test)]
mod tests {
    use super::*;

    /// The golden samples both sides test against: `runtime/test/protocol-samples/`.
    fn samples_dir() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../runtime/test/protocol-samples")
    }

    #[test]
    fn parses_runtime_messages() {
        let m: RuntimeMessage =
            serde_json::from_str(r#"{"type":"fetch","rid":3,"specifier":"./a.js","importer":null}"#).unwrap();
        assert!(matches!(m, RuntimeMessage::Fetch { rid: 3, importer: None, .. }));
        let m: RuntimeMessage =
            serde_json::from_str(r#"{"type":"restart","path":"/a","reason":"declined-dependency","chain":["/a"]}"#)
                .unwrap();
        assert!(matches!(m, RuntimeMessage::Restart { reason: RestartReason::DeclinedDependency, .. }));
        assert!(serde_json::from_str::<RuntimeMessage>(r#"{"type":"nope"}"#).is_err());
        assert!(
            serde_json::from_str::<RuntimeMessage>(r#"{"type":"restart","path":"/a","reason":"why","chain":[]}"#)
                .is_err()
        );
        let m: RuntimeMessage = serde_json::from_str(
            r#"{"type":"hello","token":"t","pid":9,"parent":8,"role":"cluster worker","generation":2,"entry":"/a.js"}"#,
        )
        .unwrap();
        let RuntimeMessage::Hello { process, .. } = m else { panic!("not a hello") };
        assert_eq!((process.pid, process.parent, process.generation), (9, Some(8), 2));
        let m: RuntimeMessage = serde_json::from_str(r#"{"type":"hello","token":"t","pid":9}"#).unwrap();
        assert!(matches!(m, RuntimeMessage::Hello { process: ProcessInfo { parent: None, .. }, .. }));
    }

    #[test]
    fn splices_serialized_modules() {
        let modules: Vec<Arc<str>> = vec![Arc::from("{\"id\":\"/a.js\"}"), Arc::from("{\"id\":\"/b.js\"}")];
        let target = TargetJson::App { id: "/a.js".into() };
        let reply = HotnodeMessage::Modules { rid: 7, target: &target, modules: &modules }.line();
        assert!(reply.ends_with('\n') && !reply.trim_end().contains('\n'));
        let value: serde_json::Value = serde_json::from_str(&reply).unwrap();
        assert_eq!(value["rid"], 7);
        assert_eq!(value["target"]["id"], "/a.js");
        assert_eq!(value["modules"][1]["id"], "/b.js");
        let update = HotnodeMessage::Update { seq: 2, modules: &[] }.line();
        assert_eq!(update, "{\"type\":\"update\",\"seq\":2,\"modules\":[]}\n");
    }

    /// One sample of every message hotnode sends, as it sends it.
    fn hotnode_samples() -> String {
        let module: Arc<str> = Arc::from(
            serde_json::to_string(&ModulePayload {
                id: "/app/src/a.ts",
                url: "file:///app/src/a.ts",
                format: ModuleFormat::Esm,
                code: "export const a = 1;",
                deps: &BTreeMap::from([
                    ("./b.js".to_string(), TargetJson::App { id: "/app/src/b.ts".into() }),
                    ("node:fs".to_string(), TargetJson::External { external: "node:fs".into() }),
                    (
                        "nope".to_string(),
                        TargetJson::Error { error: "Cannot find package 'nope'".into(), kind: FailureKind::NotFound },
                    ),
                ]),
                names: &BTreeMap::from([("./b.js".to_string(), vec!["b".to_string()])]),
                exports: &ModuleExports {
                    local: vec![("a".into(), "a".into())],
                    indirect: vec![("c".into(), "./c.js".into(), "c".into())],
                    stars: vec!["./d.js".into()],
                },
                is_async: true,
                attributes: &BTreeMap::from([(
                    "./data.json".to_string(),
                    vec![ImportAttributes { assert: false, entries: vec![("type".into(), "json".into())] }],
                )]),
                typeless_package: Some("/app/package.json".into()),
                source_phase: None,
                code_hash: "00000000000000ab",
                refresh: Some(&RefreshPayload {
                    from: "00000000000000aa".into(),
                    chunks: vec![hotnode_transform::RefreshChunk {
                        slots: vec![0],
                        names: vec!["function handler".into()],
                        code: "[\n\n(function handler() {}),\n]".into(),
                    }],
                }),
            })
            .unwrap(),
        );
        let modules = [module];
        let target = TargetJson::App { id: "/app/src/a.ts".into() };
        let err = serde_json::json!({ "message": "Unexpected token", "stack": "", "id": "/app/src/a.ts", "frame": "> 1 | x(" });
        let data = serde_json::json!({ "n": 1 });
        [
            HotnodeMessage::Modules { rid: 1, target: &target, modules: &modules },
            HotnodeMessage::Ack { rid: 2 },
            HotnodeMessage::Reload { path: Path::new("/app/.env") },
            HotnodeMessage::Update { seq: 3, modules: &modules },
            HotnodeMessage::Error { err: &err },
            HotnodeMessage::Custom { event: "app:ping", data: &data },
            HotnodeMessage::Print { text: "[hot] updated a.ts\n" },
            HotnodeMessage::Go,
        ]
        .iter()
        .map(HotnodeMessage::line)
        .collect()
    }

    /// hotnode's messages as they are now match the samples the runtime's tests parse
    /// (`node --test runtime/test/protocol.test.mjs`). `HOTNODE_BLESS=1` writes them anew.
    #[test]
    fn the_messages_hotnode_sends_are_the_golden_samples() {
        let path = samples_dir().join("to-runtime.jsonl");
        let now = hotnode_samples();
        if std::env::var_os("HOTNODE_BLESS").is_some() {
            std::fs::write(&path, &now).unwrap();
        }
        let golden = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            now,
            golden,
            "{} is out of date: run with HOTNODE_BLESS=1 and check the runtime's tests",
            path.display()
        );
    }

    /// Every message the runtime sends (its samples are written by the runtime's own test from
    /// `runtime/protocol.mjs`) parses here, and every kind of message is among them.
    #[test]
    fn every_message_the_runtime_sends_parses() {
        let path = samples_dir().join("to-hotnode.jsonl");
        let text = std::fs::read_to_string(&path).unwrap();
        let mut kinds = std::collections::BTreeSet::new();
        for line in text.lines() {
            let message: RuntimeMessage = serde_json::from_str(line).unwrap_or_else(|err| panic!("{line}: {err}"));
            // Exhaustive: a new kind of message fails to compile here until it has a name.
            kinds.insert(match message {
                RuntimeMessage::Hello { .. } => "hello",
                RuntimeMessage::Started { .. } => "started",
                RuntimeMessage::Fetch { .. } => "fetch",
                RuntimeMessage::Check { .. } => "check",
                RuntimeMessage::Settled { .. } => "settled",
                RuntimeMessage::Updated { .. } => "updated",
                RuntimeMessage::Restart { .. } => "restart",
                RuntimeMessage::Invalidate { .. } => "invalidate",
                RuntimeMessage::Loaded { .. } => "loaded",
                RuntimeMessage::Signal { .. } => "signal",
                RuntimeMessage::Custom { .. } => "custom",
                RuntimeMessage::Prompt { .. } => "prompt",
            });
        }
        assert_eq!(kinds.len(), 12, "a kind of message has no sample in {}: {kinds:?}", path.display());
    }
}
