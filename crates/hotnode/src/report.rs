//! What hotnode prints: one `[hot]` line per event on stderr, paths relative to the working
//! folder, colour only on a terminal and never with NO_COLOR.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, mpsc};

use hotnode_server::protocol::{HotnodeMessage, ProcessInfo, RestartReason};
use hotnode_server::store::LoadError;

use crate::rounds::Finished;

pub struct Reporter {
    quiet: bool,
    verbose: bool,
    color: bool,
    cwd: PathBuf,
    /// While a process of the app shows a prompt on the terminal: the queue of its socket, to
    /// which lines go as `print` (written above the prompt) instead of to stderr.
    prompt: Mutex<Option<mpsc::Sender<String>>>,
}

impl Reporter {
    pub fn new(quiet: bool, verbose: bool) -> Self {
        let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Self { quiet, verbose, color, cwd: std::env::current_dir().unwrap_or_default(), prompt: Mutex::new(None) }
    }

    /// Lines go to the process whose socket queue this is (`Some`), or to stderr again.
    pub fn through_prompt(&self, queue: Option<mpsc::Sender<String>>) {
        if let Ok(mut prompt) = self.prompt.lock() {
            *prompt = queue;
        }
    }

    /// Text of whole lines, in one piece: to the process showing a prompt, if one does, else
    /// with one `write(2)` (the app writes to the same terminal or pipe, and a line written in
    /// pieces could have one of the app's lines land in the middle of it).
    fn write(&self, text: &str) {
        if let Ok(prompt) = self.prompt.lock()
            && let Some(queue) = prompt.as_ref()
            && queue.send(HotnodeMessage::Print { text }.line()).is_ok()
        {
            return;
        }
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }

    /// A path as the user typed it: relative to the working folder when inside it.
    pub fn path(&self, path: impl AsRef<Path>) -> String {
        let path = path.as_ref();
        path.strip_prefix(&self.cwd).unwrap_or(path).display().to_string()
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
    }

    fn line(&self, text: &str) {
        self.write(&format!("{} {text}\n", self.paint("2", "[hot]")));
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
        let mut text = format!("{} {}\n", self.paint("2", "[hot]"), self.paint("31", headline));
        for line in block.trim_end().lines() {
            text.push_str(line);
            text.push('\n');
        }
        self.write(&text);
    }

    /// The lines for an update every process is done with: its failures, and the update line
    /// if any process took it. `attached`: the processes of the session now.
    pub fn finished(&self, finished: &Finished, attached: usize) {
        if finished.is_empty() {
            return;
        }
        let total = &finished.total;
        for failure in &total.failed {
            self.error_block(
                &format!("update failed in {}: {}", self.path(&failure.id), failure.message),
                &failure.stack,
            );
        }
        if finished.took == 0 {
            return;
        }
        let ms = finished.started.map_or(total.ms, |t| t.elapsed().as_secs_f64() * 1000.0);
        let processes = attached.max(finished.took);
        let processes = (processes > 1).then_some((finished.took, processes));
        self.updated(total, ms, processes);
    }

    /// A file that does not load: its message and frame, and that nothing is lost.
    pub fn broken(&self, err: &LoadError) {
        self.error_block(&err.to_string(), &err.frame().unwrap_or_default());
        self.info("the app keeps running; the file is applied at its next good save");
    }

    /// A process's runtime evaluated its entry (`entry`: the app's entry, for the process
    /// hotnode started).
    pub fn started(&self, process: &ProcessInfo, entry: &Path, modules: usize, ms: f64) {
        let (who, entry) = match &process.role {
            None => (String::new(), self.path(entry)),
            Some(role) => {
                (format!("{role} {} ", process.pid), process.entry.as_deref().map(|e| self.path(e)).unwrap_or_default())
            }
        };
        self.info(&format!("{who}started {entry} ({modules} modules, {ms:.0} ms)"));
    }

    /// Why an update cannot be applied hot, in words.
    pub fn restart_reason(&self, path: &str, reason: RestartReason, chain: &[String]) -> String {
        match reason {
            RestartReason::Declined => format!("{} declined updates", self.path(path)),
            RestartReason::DeclinedDependency => format!(
                "{} declined updates of {}",
                chain.last().map_or_else(String::new, |p| self.path(p)),
                self.path(path)
            ),
            RestartReason::Watched => format!("{} changed (--watch-path)", self.path(path)),
            RestartReason::Unaccepted => {
                let names: Vec<String> = chain.iter().map(|c| self.path(c)).collect();
                format!("no module accepts the update ({})", names.join(" -> "))
            }
        }
    }

    /// The line for an applied update; `processes` is (took it, attached) when the session has
    /// more than one process.
    /// Paths for one line: the first few, then how many more (a checkout of 300 files is one
    /// short line, not a screenful).
    pub fn some_paths(&self, paths: &[impl AsRef<Path>]) -> String {
        let mut names: Vec<String> = paths.iter().take(LISTED_PATHS).map(|p| self.path(p)).collect();
        if paths.len() > LISTED_PATHS {
            names.push(format!("and {} more", paths.len() - LISTED_PATHS));
        }
        names.join(", ")
    }

    /// A file that failed to load is whole again (its fix may restore the running code, so no
    /// update line follows to replace the error on screen).
    pub fn mended(&self, path: &Path) {
        self.info(&format!("{} is good again", self.path(path)));
    }

    fn updated(&self, total: &crate::rounds::Outcome, ms: f64, processes: Option<(usize, usize)>) {
        let (changed, reevaluated, accepted) = (&total.changed, total.reevaluated, &total.accepted);
        let names = self.some_paths(changed);
        let mut by =
            if accepted.is_empty() { String::new() } else { format!(", accepted by {}", self.some_paths(accepted)) };
        // hot-hook's rule: no accept code, the module is an `import()` boundary.
        if !total.next_import.is_empty() {
            by.push_str(&format!(", the next import() of {} runs the new code", self.some_paths(&total.next_import)));
        }
        let noun = if reevaluated == 1 { "module" } else { "modules" };
        let across = match processes {
            Some((took, attached)) => format!(" in {took} of {attached} processes"),
            None => String::new(),
        };
        let functions = total.refreshed_functions;
        let refreshed = format!("refreshed {functions} {}", if functions == 1 { "function" } else { "functions" });
        let what = match (reevaluated, total.refreshed.is_empty()) {
            (0, false) => refreshed,
            (_, false) => format!("{refreshed}, re-evaluated {reevaluated} {noun}"),
            _ => format!("re-evaluated {reevaluated} {noun}"),
        };
        self.info(&format!("{} changed: {what}{across}{by} in {}", names, self.paint("32", &format!("{ms:.1} ms"))));
    }
}

/// Paths named on one line before "and N more".
const LISTED_PATHS: usize = 5;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_list_of_paths_names_five_and_counts_the_rest() {
        let reporter = Reporter {
            quiet: false,
            verbose: false,
            color: false,
            cwd: PathBuf::from("/app"),
            prompt: Mutex::new(None),
        };
        let paths: Vec<String> = (0..300).map(|i| format!("/app/src/m{i}.ts")).collect();
        assert_eq!(reporter.some_paths(&paths), "src/m0.ts, src/m1.ts, src/m2.ts, src/m3.ts, src/m4.ts, and 295 more");
        assert_eq!(reporter.some_paths(&paths[..2]), "src/m0.ts, src/m1.ts");
    }
}
