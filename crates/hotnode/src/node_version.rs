//! The Node.js version hotnode needs, and how to tell a user whose node is too old (or is not
//! node at all).

use std::process::{Command, Stdio};

/// The oldest Node.js major version hotnode runs on (`--env-file`, `setSourceMapsEnabled`,
/// the `node:` builtins the runtime uses).
pub const MIN_MAJOR: u32 = 20;

/// `None` when `version` ("20.11.1", "v22.0.0") is new enough; otherwise the message to show.
pub fn problem(node: &str, version: &str) -> Option<String> {
    let trimmed = version.trim();
    let major = trimmed.trim_start_matches('v').split('.').next().and_then(|m| m.parse::<u32>().ok());
    match major {
        Some(major) if major >= MIN_MAJOR => None,
        Some(_) => Some(format!(
            "hotnode needs Node.js {MIN_MAJOR} or later; {node} is {}. Install a newer one, or name it with --node PATH.",
            if trimmed.starts_with('v') { trimmed.to_string() } else { format!("v{trimmed}") }
        )),
        None => Some(format!(
            "{node} does not look like Node.js (`{node} --version` said {trimmed:?}); hotnode needs Node.js {MIN_MAJOR} or later. Name it with --node PATH."
        )),
    }
}

/// Asks `node --version`: used only when the app ended before the runtime said hello, to tell
/// an unsuitable node from an app that crashed.
pub fn probe(node: &str) -> Option<String> {
    let output = Command::new(node).arg("--version").stdin(Stdio::null()).stderr(Stdio::null()).output();
    match output {
        Ok(output) => problem(node, &String::from_utf8_lossy(&output.stdout)),
        Err(err) => Some(cannot_run(node, &err)),
    }
}

/// The message for a node binary that does not start at all.
pub fn cannot_run(node: &str, err: &std::io::Error) -> String {
    format!("cannot run node ({node}): {err}. Install Node.js {MIN_MAJOR} or later, or name it with --node PATH.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_and_later_are_fine() {
        for version in ["20.0.0", "v20.20.2", "22.1.0\n", "v24.0.0-nightly"] {
            assert_eq!(problem("node", version), None, "{version}");
        }
    }

    #[test]
    fn older_versions_are_named() {
        assert_eq!(
            problem("/usr/bin/node", "v18.19.0\n").unwrap(),
            "hotnode needs Node.js 20 or later; /usr/bin/node is v18.19.0. Install a newer one, or name it with --node PATH."
        );
        assert!(problem("node", "16.0.0").unwrap().contains("node is v16.0.0"));
    }

    #[test]
    fn something_else_is_not_node() {
        let message = problem("./tool", "hello\n").unwrap();
        assert!(message.starts_with("./tool does not look like Node.js"), "{message}");
        assert!(problem("./tool", "").is_some());
    }
}
