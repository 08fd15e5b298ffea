//! Why a module's file could not be loaded, as the terminal and Vite's error payload say it.

use std::path::{Path, PathBuf};

use hotnode_transform::TransformError;

use crate::protocol::FailureKind;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {}: {source}", .path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{} is not UTF-8 text (a binary file, or another encoding)", .path.display())]
    NotText { path: PathBuf },
    #[error("{} is not a regular file", .path.display())]
    NotAFile { path: PathBuf },
    #[error("{}", describe_transform_error(.path, .error))]
    Transform { path: PathBuf, error: TransformError },
    /// The transform itself failed on this input (a bug to report, not the user's fault).
    #[error("{}: hotnode could not transform this file ({message}); please report it", .path.display())]
    Internal { path: PathBuf, message: String },
}

fn describe_transform_error(path: &Path, error: &TransformError) -> String {
    match error.diagnostics().first() {
        Some(d) => located(path, d),
        None => format!("{}: {error}", path.display()),
    }
}

/// `path:line:column: message`, or `path: message` without a location.
fn located(path: &Path, d: &hotnode_transform::Diagnostic) -> String {
    match d.location {
        Some(loc) => format!("{}:{}:{}: {}", path.display(), loc.line, loc.column, d.message),
        None => format!("{}: {}", path.display(), d.message),
    }
}

impl LoadError {
    pub fn path(&self) -> &Path {
        match self {
            Self::Read { path, .. }
            | Self::NotText { path }
            | Self::NotAFile { path }
            | Self::Transform { path, .. }
            | Self::Internal { path, .. } => path,
        }
    }

    /// What the app is told of it: a file that does not parse (or is not text) is a syntax
    /// error, as node's own loader would say.
    pub fn kind(&self) -> FailureKind {
        match self {
            Self::Transform { .. } | Self::NotText { .. } => FailureKind::Syntax,
            Self::Read { .. } | Self::NotAFile { .. } | Self::Internal { .. } => FailureKind::Unreadable,
        }
    }

    /// The code frame, for syntax errors: the first problem's (the message names it), then
    /// every further problem the parser found, each with its location and frame.
    pub fn frame(&self) -> Option<String> {
        let Self::Transform { error, path } = self else { return None };
        let (first, rest) = error.diagnostics().split_first()?;
        let mut frame = first.frame.clone();
        for d in rest {
            if !frame.is_empty() && !frame.ends_with('\n') {
                frame.push('\n');
            }
            frame.push_str(&located(path, d));
            if !d.frame.is_empty() {
                frame.push('\n');
                frame.push_str(&d.frame);
            }
        }
        Some(frame)
    }

    /// Vite's error payload: `{message, stack, id, frame, loc: {file, line, column}}`.
    pub fn to_vite_error(&self) -> serde_json::Value {
        let file = self.path().display().to_string();
        let loc = match self {
            Self::Transform { error, .. } => error.diagnostics().first().and_then(|d| d.location),
            _ => None,
        };
        serde_json::json!({
            "message": self.to_string(),
            "stack": "",
            "id": file,
            "frame": self.frame().unwrap_or_default(),
            "loc": loc.map(|l| serde_json::json!({ "file": file, "line": l.line, "column": l.column })),
        })
    }
}

/// A module's text. Only a regular file is read: a FIFO or a device named `x.js` would block
/// the read or never end. Text with a NUL byte in its first 8 KB is binary (git's test), even
/// when it happens to be valid UTF-8.
pub fn read_source(path: &Path) -> Result<String, LoadError> {
    let read_error = |source| LoadError::Read { path: path.to_path_buf(), source };
    let metadata = std::fs::metadata(path).map_err(read_error)?;
    if !metadata.is_file() {
        return Err(LoadError::NotAFile { path: path.to_path_buf() });
    }
    let bytes = std::fs::read(path).map_err(read_error)?;
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return Err(LoadError::NotText { path: path.to_path_buf() });
    }
    String::from_utf8(bytes).map_err(|_| LoadError::NotText { path: path.to_path_buf() })
}
