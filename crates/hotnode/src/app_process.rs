//! The node process running the app: started by the keeper with the runtime, stdio inherited,
//! signalled by pid; the keeper reports its exit.

use std::ffi::OsStr;
use std::path::PathBuf;
use std::sync::Arc;

use hotnode_server::protocol::env;

use crate::keeper::client::{Keeper, Spawn};
use crate::node_version;
use crate::supervisor::Launcher;

#[derive(Clone)]
pub struct Launch {
    pub node: String,
    pub node_args: Vec<String>,
    pub runtime_main: PathBuf,
    pub entry: PathBuf,
    pub app_args: Vec<String>,
    pub socket: PathBuf,
    pub token: String,
    pub restart: bool,
    /// `--apply manual`: the runtime stages updates until the app applies them.
    pub manual_apply: bool,
    /// `--watch-path` paths (absolute): a change under one restarts the app.
    pub watch: Vec<PathBuf>,
    /// Restarts take a standby process made ready while the app runs (see `Supervisor`).
    pub standby: bool,
    /// hot-hook's `restart` files: a change of one restarts the app.
    pub hot_hook_restart: crate::hot_hook::RestartFiles,
}

impl Launch {
    /// The `.env` files node reads (`--env-file`, `--env-file-if-exists`), absolute.
    pub fn env_files(&self) -> Vec<PathBuf> {
        let mut files = Vec::new();
        let mut args = self.node_args.iter();
        while let Some(arg) = args.next() {
            let value = match arg.split_once('=') {
                Some(("--env-file" | "--env-file-if-exists", value)) => Some(value.to_string()),
                None if arg == "--env-file" || arg == "--env-file-if-exists" => args.next().cloned(),
                _ => None,
            };
            if let Some(value) = value {
                files.push(std::env::current_dir().unwrap_or_default().join(value));
            }
        }
        files
    }
}

/// Whether node runs code of the app's before the entry (`-r`, `--require`, `--import`, a
/// loader), in its arguments or in `NODE_OPTIONS`.
pub fn preloads(node_args: &[String], node_options: Option<&str>) -> bool {
    let options = node_options.unwrap_or("").split_whitespace();
    node_args.iter().map(String::as_str).chain(options).any(|arg| {
        let name = arg.split('=').next().unwrap_or(arg);
        matches!(name, "-r" | "--require" | "--import" | "--loader" | "--experimental-loader")
    })
}

#[derive(Debug, Clone, Copy)]
pub struct Exit {
    pub code: Option<i32>,
    pub signal: Option<i32>,
}

impl Exit {
    /// The exit code a shell would report (128 + signal for a signalled process).
    pub fn shell_code(self) -> i32 {
        self.code.or(self.signal.map(|s| 128 + s)).unwrap_or(1)
    }
}

pub struct AppProcess {
    pub pid: i32,
}

/// Starts the app's processes for the supervisor; each one's exit goes to `on_exit` with the
/// start it belongs to.
pub struct NodeLauncher {
    pub keeper: Arc<Keeper>,
    pub launch: Launch,
    pub on_exit: Arc<dyn Fn(u64, Exit) + Send + Sync>,
}

impl Launcher for NodeLauncher {
    fn spawn(&mut self, generation: u64) -> Result<i32, String> {
        let on_exit = Arc::clone(&self.on_exit);
        AppProcess::spawn(&self.keeper, &self.launch, generation, false, move |exit| on_exit(generation, exit))
            .map(|app| app.pid)
            .map_err(|err| node_version::cannot_run(&self.launch.node, &err))
    }

    fn spawn_standby(&mut self, generation: u64) -> Option<i32> {
        if !self.launch.standby {
            return None;
        }
        let on_exit = Arc::clone(&self.on_exit);
        AppProcess::spawn(&self.keeper, &self.launch, generation, true, move |exit| {
            on_exit(generation | crate::supervisor::STANDBY_EXIT, exit)
        })
        .ok()
        .map(|app| app.pid)
    }

    fn signal(&self, pid: i32, signal: i32) {
        // SAFETY: plain kill(2) on the app's pid; the keeper reaps it and then reports its exit,
        // which retires the pid in the supervisor.
        unsafe {
            libc::kill(pid, signal);
        }
    }

    fn probe(&self) -> Option<String> {
        node_version::probe(&self.launch.node)
    }
}

impl AppProcess {
    /// Starts the app through the keeper; `generation` counts the starts, so processes the app
    /// forks say which start they belong to.
    pub fn spawn(
        keeper: &Keeper,
        launch: &Launch,
        generation: u64,
        standby: bool,
        on_exit: impl FnOnce(Exit) + Send + 'static,
    ) -> std::io::Result<Self> {
        let generation = generation.to_string();
        let mut args: Vec<&OsStr> = launch.node_args.iter().map(OsStr::new).collect();
        args.push(launch.runtime_main.as_os_str());
        args.push(launch.entry.as_os_str());
        args.extend(launch.app_args.iter().map(OsStr::new));
        let env = vec![
            (env::SOCKET, launch.socket.as_os_str()),
            (env::TOKEN, OsStr::new(&launch.token)),
            (env::RESTART, OsStr::new(if launch.restart { "1" } else { "0" })),
            (env::APPLY, OsStr::new(if launch.manual_apply { "manual" } else { "auto" })),
            (env::GENERATION, OsStr::new(&generation)),
        ];
        let mut env = env;
        if standby {
            env.push((env::STANDBY, OsStr::new("1")));
        }
        let pid = keeper.spawn(Spawn { program: OsStr::new(&launch.node), args, env }, on_exit)?;
        Ok(Self { pid })
    }
}

/// Signals a process the app forked. Only pids of processes still attached to the session are
/// signalled: their open connection shows they are alive, so the pid was not reused.
pub fn signal_process(pid: u32, signal: i32) {
    let Ok(pid) = i32::try_from(pid) else { return };
    if pid > 0 {
        // SAFETY: plain kill(2); a positive pid names one process, never a group.
        unsafe {
            libc::kill(pid, signal);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::preloads;

    #[test]
    fn code_run_before_the_entry_is_found_in_arguments_and_node_options() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(preloads(&args(&["-r", "dotenv/config"]), None));
        assert!(preloads(&args(&["--import=./otel.js"]), None));
        assert!(preloads(&[], Some("--max-old-space-size=4096 --require ./preload.cjs")));
        assert!(!preloads(&args(&["--env-file=.env", "--conditions", "dev"]), Some("--max-old-space-size=4096")));
    }
}
