//! The command line: `hotnode [run] [hotnode options] [node options] <entry> [app args]`.
//! Everything after the entry belongs to the app, as with `node`; options before it that
//! hotnode does not know are node's (`--inspect`, `--env-file=.env`, `--conditions=dev`), so
//! a node command line becomes a hotnode one by replacing `node` with `hotnode`.

use std::path::PathBuf;

use clap::Parser;

const AFTER_HELP: &str = "\
ARGUMENTS
    Options before the entry that hotnode does not know are passed to node, so
        node --inspect --env-file=.env src/main.js --port 3000
    becomes
        hotnode --inspect --env-file=.env src/main.js --port 3000
    Arguments after the entry reach the app unchanged (process.argv is what plain node gives).
    Node options whose value is a separate argument (-r/--require, --import, --env-file,
    -C/--conditions, --inspect-port, ...) take it along; anything unusual can be passed with
    --node-arg. `--` ends hotnode's own options.

HOT UPDATES
    When a file the app loaded is saved, hotnode re-evaluates the changed modules and their
    importers up to the nearest module that accepts the update (import.meta.hot.accept in ES
    modules). The app keeps its state: servers keep listening, caches stay warm. One line per
    update is printed on stderr, prefixed [hot].

    CommonJS modules use webpack's module.hot: an update marks them outdated and the accept
    callback require()s the new version; status handlers see check, prepare, dispose, apply,
    idle. With --apply manual, changes are staged until the app calls module.hot.check() and
    module.hot.apply(options).

RESTARTS
    When nothing accepts an update (it reaches the entry) or a module declined updates,
    hotnode emits vite:beforeFullReload, runs every dispose handler (at most 3 s) and starts a
    fresh node process with the code on disk. --no-restart keeps the old code running instead.
    (With --apply manual, apply() rejects instead, as in webpack.) If the app crashes, hotnode
    waits for the next change and starts it again.

ERRORS
    A file that does not parse is reported with a code frame; the app keeps running and the
    file is applied at its next good save. A module that throws while re-evaluating keeps its
    previous version; the next save retries.

ENVIRONMENT
    HOTNODE_NODE    the node binary (default: node on PATH)
    NO_COLOR        disables colours (colours are only used on a terminal anyway)

EXIT STATUS
    The app's exit code when it exits on its own with 0 or is stopped by SIGINT/SIGTERM
    (which hotnode forwards to it); 1 when hotnode cannot start it.";

#[derive(Debug, Parser)]
#[command(
    name = "hotnode",
    version,
    about = "Run a Node.js server with hot module replacement",
    override_usage = "hotnode [run] [OPTIONS] [NODE OPTIONS] <ENTRY> [APP ARGS]...",
    after_long_help = AFTER_HELP,
)]
pub struct Options {
    /// Print no line per update (errors are still printed)
    #[arg(short, long)]
    pub quiet: bool,
    /// Print more: processes attaching, custom events
    #[arg(long)]
    pub verbose: bool,
    /// Never restart: when an update cannot be applied hot, keep the old code running
    #[arg(long)]
    pub no_restart: bool,
    /// When updates apply: `auto` (as soon as a file is saved) or `manual` (staged until the
    /// app calls module.hot.check() and apply(), as with webpack without a client)
    #[arg(long, value_enum, value_name = "MODE", default_value = "auto")]
    pub apply: ApplyMode,
    /// Restart the app when a file under PATH changes (repeatable): config files, `.env`,
    /// anything the app reads but does not import (node's spelling; it never reaches node)
    #[arg(long = "watch-path", value_name = "PATH")]
    pub watch_paths: Vec<PathBuf>,
    /// Accepted as node's `--watch` is written (`node --watch main.js`); hotnode always
    /// watches, and it never reaches node (whose watcher would restart after every update)
    #[arg(long = "watch")]
    pub watch: bool,
    /// Accepted as node's; hotnode never clears the terminal
    #[arg(long = "watch-preserve-output")]
    pub watch_preserve_output: bool,
    /// The project root: only files under it are served as the app's code (default: the
    /// workspace above the entry, else the entry's package)
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Pass ARG to node (repeatable), for options hotnode cannot tell from an entry
    #[arg(long = "node-arg", value_name = "ARG", allow_hyphen_values = true)]
    pub node_args: Vec<String>,
    /// The node binary to run
    #[arg(long, value_name = "PATH", env = "HOTNODE_NODE", default_value = "node")]
    pub node: String,
    /// Transform every file afresh: neither read nor write the transform cache on disk
    /// (in `$HOTNODE_CACHE_DIR`, else `$XDG_CACHE_HOME/hotnode` or `~/.cache/hotnode`)
    #[arg(long)]
    pub no_cache: bool,
    /// Apply no edit by refreshing function bodies: an edit nothing accepts restarts the app
    #[arg(long)]
    pub no_refresh: bool,
    /// Start each restart's node process afresh, not from a standby process made ready while
    /// the app runs (one node process fewer; restarts take longer)
    #[arg(long)]
    pub no_standby: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ApplyMode {
    Auto,
    Manual,
}

#[derive(Debug)]
pub struct Invocation {
    pub options: Options,
    pub node_args: Vec<String>,
    pub entry: PathBuf,
    pub app_args: Vec<String>,
}

/// Node options that take their value as the next argument.
const NODE_VALUE_OPTIONS: &[&str] = &[
    "-r",
    "--require",
    "--import",
    "--loader",
    "--experimental-loader",
    "--env-file",
    "--env-file-if-exists",
    "-C",
    "--conditions",
    "--inspect-port",
    "--debug-port",
    "--title",
    "--input-type",
    "--redirect-warnings",
    "--disable-warning",
    "--stack-trace-limit",
    "--icu-data-dir",
    "--openssl-config",
    "--diagnostic-dir",
    "--report-dir",
    "--report-directory",
    "--report-filename",
    "--report-signal",
    "--secure-heap",
    "--secure-heap-min",
    "--tls-cipher-list",
    "--unhandled-rejections",
    "--trace-event-categories",
    "--trace-event-file-pattern",
    "--heapsnapshot-signal",
    "--cpu-prof-dir",
    "--heap-prof-dir",
];
/// How hotnode's own options look on the command line, read from their clap definition (with
/// the `--help` and `--version` clap adds): whether `name` is one, and whether it takes a value.
fn own_option(name: &str) -> Option<bool> {
    static OWN: std::sync::OnceLock<Vec<(String, bool)>> = std::sync::OnceLock::new();
    let own = OWN.get_or_init(|| {
        let mut command = <Options as clap::CommandFactory>::command();
        command.build();
        command
            .get_arguments()
            .flat_map(|arg| {
                let takes_value = arg.get_action().takes_values();
                let longs =
                    arg.get_long_and_visible_aliases().unwrap_or_default().into_iter().map(|l| format!("--{l}"));
                let shorts =
                    arg.get_short_and_visible_aliases().unwrap_or_default().into_iter().map(|c| format!("-{c}"));
                longs.chain(shorts).map(move |name| (name, takes_value)).collect::<Vec<_>>()
            })
            .collect()
    });
    own.iter().find(|(n, _)| n == name).map(|(_, takes_value)| *takes_value)
}

/// Splits the command line and parses hotnode's own options. `Err` carries clap's error
/// (including `--help` and `--version`, which clap renders).
pub fn parse(args: Vec<String>) -> Result<Invocation, clap::Error> {
    let mut args = args.into_iter();
    let program = args.next().unwrap_or_else(|| "hotnode".into());
    let mut rest: Vec<String> = args.collect();
    if rest.first().is_some_and(|a| a == "run") {
        rest.remove(0);
    }
    let mut own = vec![program];
    let mut node_args = Vec::new();
    let mut entry = None;
    let mut own_options_ended = false;
    let mut i = 0;
    while i < rest.len() {
        let arg = &rest[i];
        let name = arg.split('=').next().unwrap_or(arg);
        if arg == "--" && !own_options_ended {
            own_options_ended = true;
        } else if !arg.starts_with('-') || arg == "-" {
            entry = Some(arg.clone());
            i += 1;
            break;
        } else if let Some(takes_value) = own_option(name).filter(|_| !own_options_ended) {
            own.push(arg.clone());
            if takes_value && !arg.contains('=') && i + 1 < rest.len() {
                i += 1;
                own.push(rest[i].clone());
            }
        } else {
            node_args.push(arg.clone());
            if !arg.contains('=') && NODE_VALUE_OPTIONS.contains(&name) && i + 1 < rest.len() {
                i += 1;
                node_args.push(rest[i].clone());
            }
        }
        i += 1;
    }
    let app_args = rest[i.min(rest.len())..].to_vec();
    let options = Options::try_parse_from(own)?;
    let Some(entry) = entry else {
        let mut cmd = <Options as clap::CommandFactory>::command();
        return Err(
            cmd.error(clap::error::ErrorKind::MissingRequiredArgument, "the entry module is missing: hotnode <ENTRY>")
        );
    };
    let mut node_args_all = options.node_args.clone();
    node_args_all.extend(node_args);
    Ok(Invocation { options, node_args: node_args_all, entry: PathBuf::from(entry), app_args })
}

impl Invocation {
    /// `--conditions`/`-C` given to node, which resolution must honour too.
    pub fn conditions(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut args = self.node_args.iter();
        while let Some(arg) = args.next() {
            if let Some(v) = arg.strip_prefix("--conditions=").or_else(|| arg.strip_prefix("-C=")) {
                out.push(v.to_string());
            } else if (arg == "--conditions" || arg == "-C")
                && let Some(v) = args.next()
            {
                out.push(v.clone());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_line(line: &str) -> Invocation {
        parse(line.split_whitespace().map(String::from).collect()).unwrap()
    }

    #[test]
    fn node_options_before_the_entry_and_app_args_after() {
        let inv = parse_line("hotnode --inspect --env-file .env -q src/main.ts --port 3000 -q");
        assert_eq!(inv.node_args, ["--inspect", "--env-file", ".env"]);
        assert!(inv.options.quiet);
        assert_eq!(inv.entry, PathBuf::from("src/main.ts"));
        assert_eq!(inv.app_args, ["--port", "3000", "-q"]);
    }

    #[test]
    fn run_subcommand_node_arg_and_double_dash() {
        let inv = parse_line("hotnode run --node-arg --trace-warnings --no-restart --no-cache -- -C dev main.js");
        assert_eq!(inv.node_args, ["--trace-warnings", "-C", "dev"]);
        assert!(inv.options.no_restart && inv.options.no_cache);
        assert_eq!(inv.conditions(), ["dev"]);
        assert!(inv.app_args.is_empty());
    }

    /// Every option of hotnode's, as clap defines it, works in each of its forms: `--opt value`
    /// and `--opt=value` (the same result, not the default one), or alone for a flag; and never
    /// takes the entry for its value or reaches node.
    #[test]
    fn every_option_in_every_form() {
        let mut command = <Options as clap::CommandFactory>::command();
        command.build();
        let default = format!("{:?}", parse_line("hotnode main.js").options);
        let mut seen = 0;
        for arg in command.get_arguments() {
            let Some(long) = arg.get_long() else { continue };
            if ["help", "version"].contains(&long) {
                continue;
            }
            seen += 1;
            if !arg.get_action().takes_values() {
                let inv = parse_line(&format!("hotnode --{long} main.js"));
                assert_eq!((inv.entry.to_str(), inv.node_args.len()), (Some("main.js"), 0), "--{long}");
                assert_ne!(format!("{:?}", inv.options), default, "--{long} changed nothing");
                continue;
            }
            let value = match long {
                "apply" => "manual",
                _ => "some/value",
            };
            let spaced = parse_line(&format!("hotnode --{long} {value} main.js --port 1"));
            let joined = parse_line(&format!("hotnode --{long}={value} main.js --port 1"));
            for inv in [&spaced, &joined] {
                assert_eq!(inv.entry, PathBuf::from("main.js"), "--{long}");
                assert_eq!(inv.app_args, ["--port", "1"], "--{long}");
                assert!(inv.node_args.is_empty() || long == "node-arg", "--{long} reached node: {:?}", inv.node_args);
            }
            assert_eq!(format!("{:?}", spaced.options), format!("{:?}", joined.options), "--{long}");
            assert_ne!(format!("{:?}", spaced.options), default, "--{long} {value} changed nothing");
        }
        assert!(seen >= 9, "{seen} options");
    }

    /// `node --watch main.js` and `node --watch-path=src main.js` with `node` replaced: the
    /// entry stays the entry, and node's watch flags never reach node.
    #[test]
    fn nodes_watch_flags_are_hotnodes() {
        let inv = parse_line("hotnode --watch --watch-preserve-output --watch-path=src --watch-path config main.js");
        assert_eq!(inv.entry, PathBuf::from("main.js"));
        assert!(inv.node_args.is_empty(), "{:?}", inv.node_args);
        assert!(inv.options.watch);
        assert_eq!(inv.options.watch_paths, [PathBuf::from("src"), PathBuf::from("config")]);
    }

    #[test]
    fn root_takes_its_folder() {
        let inv = parse_line("hotnode --root ../.. src/main.ts");
        assert_eq!((inv.options.root, inv.entry), (Some(PathBuf::from("../..")), PathBuf::from("src/main.ts")));
        let inv = parse_line("hotnode --root=/app -q src/main.ts");
        assert_eq!((inv.options.root, inv.options.quiet), (Some(PathBuf::from("/app")), true));
        assert!(inv.node_args.is_empty());
    }

    #[test]
    fn a_missing_entry_is_an_error() {
        let err = parse(vec!["hotnode".into(), "--quiet".into()]).unwrap_err();
        assert!(err.to_string().contains("entry"));
    }
}
