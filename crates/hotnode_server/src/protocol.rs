//! Messages between hotnode and the runtime: newline-delimited JSON, field names as in Vite's
//! HMR payloads where they mean the same thing. Module payloads are serialized once, when the
//! module is transformed, and spliced into every message that carries them.

use std::collections::BTreeMap;

use hotnode_transform::ModuleFormat;
use serde::{Deserialize, Serialize};

/// How one specifier of a module resolves, as the runtime reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum TargetJson {
    App { id: String },
    External { external: String },
    Error { error: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct ModulePayload<'a> {
    pub id: &'a str,
    pub url: &'a str,
    pub format: ModuleFormat,
    pub code: &'a str,
    pub deps: &'a BTreeMap<String, TargetJson>,
    /// Imported binding names per specifier (for `acceptExports`).
    pub names: &'a BTreeMap<String, Vec<String>>,
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
    /// The module it runs.
    #[serde(default)]
    pub entry: Option<String>,
    /// `process.versions.node`.
    #[serde(default)]
    pub node: Option<String>,
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
    /// The entry and its static imports have evaluated.
    Started {
        modules: usize,
        ms: f64,
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
        failed: Vec<FailedModule>,
        ms: f64,
    },
    Restart {
        /// Present when the runtime waits for the acknowledgement before it exits.
        #[serde(default)]
        rid: Option<u64>,
        path: String,
        reason: String,
        chain: Vec<String>,
        #[serde(rename = "triggeredBy")]
        triggered_by: String,
    },
    Invalidate {
        path: String,
        message: Option<String>,
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
}

/// `{"type":"modules","rid":N,"target":...,"modules":[...]}`: the reply to a fetch.
pub fn modules_reply(rid: u64, target: &TargetJson, modules: &[&str]) -> String {
    let target = serde_json::to_string(target).expect("targets serialize");
    format!("{{\"type\":\"modules\",\"rid\":{rid},\"target\":{target},\"modules\":[{}]}}\n", modules.join(","))
}

/// `{"type":"ack","rid":N}`: a request that needs no other answer was taken in.
pub fn ack(rid: u64) -> String {
    format!("{{\"type\":\"ack\",\"rid\":{rid}}}\n")
}

/// `{"type":"reload","path":...}`: restart the app (a `--watch` path changed).
pub fn reload_message(path: &std::path::Path) -> String {
    format!("{}\n", serde_json::json!({ "type": "reload", "path": path.to_string_lossy() }))
}

/// `{"type":"update","seq":N,"modules":[...]}`: new code of modules the process holds; the
/// process answers `settled` with `seq` when it is done with it.
pub fn update_message(seq: u64, modules: &[&str]) -> String {
    format!("{{\"type\":\"update\",\"seq\":{seq},\"modules\":[{}]}}\n", modules.join(","))
}

/// `{"type":"error","err":{...}}`, Vite's error payload, for a file that does not transform.
pub fn error_message(err: &serde_json::Value) -> String {
    let mut line = serde_json::json!({ "type": "error", "err": err }).to_string();
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_runtime_messages() {
        let m: RuntimeMessage =
            serde_json::from_str(r#"{"type":"fetch","rid":3,"specifier":"./a.js","importer":null}"#).unwrap();
        assert!(matches!(m, RuntimeMessage::Fetch { rid: 3, importer: None, .. }));
        let m: RuntimeMessage = serde_json::from_str(
            r#"{"type":"restart","path":"/a","reason":"declined","chain":["/a"],"triggeredBy":"/a"}"#,
        )
        .unwrap();
        assert!(matches!(m, RuntimeMessage::Restart { .. }));
        assert!(serde_json::from_str::<RuntimeMessage>(r#"{"type":"nope"}"#).is_err());
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
        let reply = modules_reply(7, &TargetJson::App { id: "/a.js".into() }, &["{\"id\":\"/a.js\"}"]);
        let value: serde_json::Value = serde_json::from_str(&reply).unwrap();
        assert_eq!(value["rid"], 7);
        assert_eq!(value["target"]["id"], "/a.js");
        assert_eq!(value["modules"][0]["id"], "/a.js");
    }
}
