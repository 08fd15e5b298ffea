//! `hotnode`: runs a Node.js server with hot module replacement.

mod app_process;
mod changes;
mod cli;
mod descendants;
mod files;
mod hot_hook;
mod inbox;
mod keeper;
mod node_version;
mod peers;
mod report;
mod rounds;
mod runtime_files;
mod session;
mod supervisor;
#[cfg(test)]
mod test_app;

use std::process::ExitCode;

use anyhow::Context;
use hotnode_server::project_root;
use hotnode_server::resolve::Resolver;
use hotnode_server::socket::ControlSocket;
use hotnode_server::store::ModuleStore;
use hotnode_server::transform_cache::TransformCache;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::SignalsInfo;
use signal_hook::iterator::exfiltrator::WithOrigin;
use signal_hook::low_level::siginfo::Cause;

use crate::app_process::Launch;
use crate::inbox::Event;
use crate::keeper::client::Keeper;
use crate::report::Reporter;
use crate::session::Session;

fn main() -> ExitCode {
    if std::env::args_os().nth(1).is_some_and(|a| a == keeper::KEEPER_ARG) {
        let fd = std::env::args().nth(2).and_then(|fd| fd.parse().ok());
        return keeper::serve(fd);
    }
    // Lossy, not `args()`: a non-UTF-8 argument must be an odd path, not a panic.
    let args = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
    let invocation = match cli::parse(args) {
        Ok(invocation) => invocation,
        Err(err) => err.exit(),
    };
    match run(invocation) {
        Ok(code) => ExitCode::from(code.clamp(0, 255) as u8),
        Err(err) => {
            eprintln!("hotnode: {err:#}");
            ExitCode::from(1)
        }
    }
}

fn run(invocation: cli::Invocation) -> anyhow::Result<i32> {
    let entry = entry_path(&invocation.entry)?;
    descendants::become_subreaper();
    let keeper = Keeper::start(|| {
        // The app went with it (its processes' parent-death signal); what the keeper left
        // behind is now hotnode's to end.
        eprintln!("hotnode: its process keeper was killed, and the app with it; exiting");
        if let Some(ending) = descendants::end_left_behind(&Default::default()) {
            let _ = ending.join();
        }
        std::process::exit(1);
    })
    .context("cannot start hotnode's process keeper")?;
    let runtime_main = runtime_files::materialize().context("cannot write the hotnode runtime to its cache folder")?;
    let socket = ControlSocket::create()?;
    let reporter = Reporter::new(invocation.options.quiet, invocation.options.verbose);
    let cache = match invocation.options.no_cache {
        true => TransformCache::disabled(),
        false => TransformCache::open(&runtime_files::cache_root(), &runtime_files::build_id()),
    };
    let root = match &invocation.options.root {
        Some(root) => std::fs::canonicalize(root).with_context(|| format!("cannot use --root {}", root.display()))?,
        None => project_root::find(&entry),
    };
    let mut store = ModuleStore::with_cache(Resolver::new(&invocation.conditions()).with_root(root), cache);
    store.set_refresh(!invocation.options.no_refresh);
    let launch = Launch {
        node: invocation.options.node.clone(),
        node_args: invocation.node_args.clone(),
        runtime_main,
        entry,
        app_args: invocation.app_args.clone(),
        socket: socket.path.clone(),
        token: socket.token.clone(),
        restart: !invocation.options.no_restart,
        manual_apply: invocation.options.apply == cli::ApplyMode::Manual,
        watch: invocation
            .options
            .watch_paths
            .iter()
            .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()))
            .collect(),
        // A debugger's port cannot be open in two processes at once; `--no-restart` never
        // restarts; code node runs before the entry (`--require`, `--import`) would run in the
        // standby before its start.
        standby: !invocation.options.no_standby
            && !invocation.options.no_restart
            && !invocation.node_args.iter().any(|a| a.starts_with("--inspect"))
            && !app_process::preloads(&invocation.node_args, std::env::var("NODE_OPTIONS").ok().as_deref())
            // An IPC channel from hotnode's parent is the app's: two processes must not read it.
            && std::env::var_os("NODE_CHANNEL_FD").is_none(),
        hot_hook_restart: hot_hook::RestartFiles::read(&std::env::current_dir().unwrap_or_default()),
    };
    let (session, events) = Session::new(launch, store, reporter, std::sync::Arc::clone(&keeper))?;
    let tx = std::sync::Mutex::new(session.sender());
    let socket_dir = socket.serve(move |event| {
        if let Ok(tx) = tx.lock() {
            let _ = tx.send(Event::Connection(event));
        }
    });
    let signals_tx = session.sender();
    // A signal from the terminal (Ctrl-C) reaches the whole foreground process group, the app
    // included; only signals sent to hotnode alone (kill, a process manager) are forwarded, so
    // the app never handles one Ctrl-C twice.
    let mut signals = SignalsInfo::<WithOrigin>::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new().name("hotnode-signals".into()).spawn(move || {
        for origin in signals.forever() {
            let from_terminal = matches!(origin.cause, Cause::Kernel);
            let _ = signals_tx.send(Event::Signal { signal: origin.signal, forward: !from_terminal });
        }
    })?;
    let code = session.run(events);
    keeper.finish();
    let _ = std::fs::remove_dir_all(socket_dir);
    Ok(code)
}

/// The entry module's real path, or why there is none.
fn entry_path(entry: &std::path::Path) -> anyhow::Result<std::path::PathBuf> {
    let absolute = std::env::current_dir()?.join(entry);
    if absolute.is_dir() {
        anyhow::bail!("the entry {} is a folder; name a module file", entry.display());
    }
    std::fs::canonicalize(&absolute).map_err(|_| anyhow::anyhow!("cannot find the entry module {}", entry.display()))
}
