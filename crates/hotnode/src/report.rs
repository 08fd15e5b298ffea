//! What hotnode prints: one `[hot]` line per event on stderr, paths relative to the working
//! folder, colour only on a terminal and never with NO_COLOR.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

pub struct Reporter {
    quiet: bool,
    verbose: bool,
    color: bool,
    cwd: PathBuf,
}

impl Reporter {
    pub fn new(quiet: bool, verbose: bool) -> Self {
        let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Self { quiet, verbose, color, cwd: std::env::current_dir().unwrap_or_default() }
    }

    /// A path as the user typed it: relative to the working folder when inside it.
    pub fn path(&self, path: impl AsRef<Path>) -> String {
        let path = path.as_ref();
        path.strip_prefix(&self.cwd).unwrap_or(path).display().to_string()
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
    }

    /// One line, written with one `write(2)`: the app writes to the same terminal or pipe, and a
    /// line written in pieces could have one of the app's lines land in the middle of it.
    fn line(&self, text: &str) {
        let line = format!("{} {text}\n", self.paint("2", "[hot]"));
        write_whole(&line);
    }

    /// Routine progress (silenced by --quiet).
    pub fn info(&self, text: &str) {
        if !self.quiet {
            self.line(text);
        }
    }

    pub fn verbose(&self, text: &str) {
        if self.verbose {
            self.line(text);
        }
    }

    pub fn warn(&self, text: &str) {
        self.line(&self.paint("33", text));
    }

    pub fn error(&self, text: &str) {
        self.line(&self.paint("31", text));
    }

    /// An error followed by a block (a code frame or a stack), indented as it came.
    pub fn error_block(&self, headline: &str, block: &str) {
        self.error(headline);
        for line in block.trim_end().lines() {
            write_whole(&format!("{line}\n"));
        }
    }

    /// The line for an applied update; `processes` is (took it, attached) when the session has
    /// more than one process.
    pub fn updated(
        &self,
        changed: &[String],
        reevaluated: usize,
        accepted: &[String],
        ms: f64,
        processes: Option<(usize, usize)>,
    ) {
        let names: Vec<String> = changed.iter().map(|c| self.path(c)).collect();
        let by = if accepted.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = accepted.iter().map(|a| self.path(a)).collect();
            format!(", accepted by {}", list.join(", "))
        };
        let noun = if reevaluated == 1 { "module" } else { "modules" };
        let across = match processes {
            Some((took, attached)) => format!(" in {took} of {attached} processes"),
            None => String::new(),
        };
        self.info(&format!(
            "{} changed: re-evaluated {reevaluated} {noun}{across}{by} in {}",
            names.join(", "),
            self.paint("32", &format!("{ms:.1} ms"))
        ));
    }
}

fn write_whole(line: &str) {
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}
