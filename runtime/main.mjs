// @ts-check
/**
 * The process hotnode starts: `node [node options] main.mjs <entry> [app args]`. Connects to
 * the session's socket, restores `process.argv` to what plain `node <entry>` gives, and
 * evaluates the entry through the engine. A throw at start-up is left uncaught so node
 * reports it and exits non-zero, exactly as without hotnode.
 */
import path from "node:path";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { isatty } from "node:tty";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { assemble } from "./assemble.mjs";
import { RUNTIME_LISTENER } from "./engine.mjs";
import { Channel } from "./channel.mjs";
import { CodeCache } from "./code-cache.mjs";
import { nodeCreateRequire, serveCreateRequire } from "./create-require.mjs";
import { LOAD_FAILURE, RUNTIME_DIR } from "./errors.mjs";
import { installHelpers } from "./helpers.mjs";
import { useCodeCache } from "./module-record.mjs";
import { serveNodeLoaders } from "./node-loaders.mjs";
import { serveSourceMaps } from "./source-maps.mjs";
import { isMainThread, threadId } from "node:worker_threads";
import { joinForks, joinWorkers, takeSession } from "./processes.mjs";
import { ENV, toHotnode } from "./protocol.mjs";
import { followPrompts, printAbovePrompt } from "./prompt.mjs";
import { hotHookParent } from "./hot-hook.mjs";
import { installStackTraces } from "./stack.mjs";
import { SyncChannel } from "./sync-channel.mjs";

process.setSourceMapsEnabled(true);
installHelpers(globalThis);
const session = takeSession();
/**
 * Builtins a standby may load before the app runs: those whose loading does nothing the app
 * could see (no warning, no change to other modules or to the process). Not, for example,
 * `domain` (it patches EventEmitter), `cluster` (a worker sets itself up), `punycode` or `sys`
 * (deprecation warnings), `sqlite`, `test` (experimental warnings).
 */
const QUIET_BUILTINS = new Set(["assert", "async_hooks", "buffer", "child_process", "crypto", "dgram", "diagnostics_channel", "dns", "events", "fs", "fs/promises", "http", "http2", "https", "net", "os", "path", "perf_hooks", "querystring", "readline", "stream", "stream/promises", "string_decoder", "timers", "timers/promises", "tls", "tty", "url", "util", "v8", "vm", "worker_threads", "zlib"]);

// A standby process (the next start's, made ready while the app runs): it loads the app's code
// and waits for hotnode's `go` before it runs any of it. What the app forks is never one.
const standby = session[ENV.standby] === "1" && isMainThread;
delete session[ENV.standby];
joinForks(fileURLToPath(import.meta.url), session);
joinWorkers(fileURLToPath(import.meta.url), session);

const socketPath = session[ENV.socket];
const token = session[ENV.token];
if (!socketPath || !token || process.argv.length < 3) {
  console.error("hotnode runtime: start it through `hotnode <entry>`");
  process.exit(2);
}
const entry = path.resolve(process.argv[2]);
process.argv.splice(1, 2, entry);

// A process the app forked or a worker thread it started (see processes.mjs) says whose it is;
// hotnode started the others.
const thread = isMainThread ? null : threadId;
const parent = thread ? process.pid : Number(process.env[ENV.parent]) || null;
const role = thread ? "worker thread" : parent ? process.env[ENV.role] ?? "forked process" : null;
if (isMainThread) {
  delete process.env[ENV.parent];
  delete process.env[ENV.role];
}
const hello = toHotnode.hello({
  token,
  pid: process.pid,
  parent,
  role,
  generation: Number(session[ENV.generation]) || 0,
  entry,
  node: process.versions.node,
  thread,
  requireModule: Boolean(process.features.require_module),
  ...(standby ? { standby: true } : {}),
});
/** @type {(() => void) | null} resolves the wait of a standby process */
let go = null;
const told = standby ? new Promise((resolve) => (go = () => resolve(undefined))) : null;
// Until it runs the app, a standby takes no terminal signal (Ctrl-C is the app's, or
// hotnode's); hotnode ends it, and it ends with hotnode's connection.
const ignore = () => {};
if (standby) for (const signal of ["SIGINT", "SIGHUP"]) process.on(signal, ignore);
const channel = await Channel.connect(socketPath, hello);
const syncChannel = new SyncChannel(socketPath, { ...hello, standby: undefined });
if (standby) channel.onClose = () => process.exit(0);
if (!parent && !standby) tellSignals(channel);
if (parent && !thread) {
  // hotnode ends the process it started when it exits; a forked process ends with the session
  // too, through its own SIGTERM handling, so none outlives hotnode holding a port.
  channel.onClose = () => process.kill(process.pid, "SIGTERM");
}
const { engine, status, events, registry } = assemble(Object.assign(channel, { requestSync: (/** @type {any} */ message) => syncChannel.request(message) }), {
  restart: session[ENV.restart] !== "0",
  manual: session[ENV.apply] === "manual",
  // A worker thread that cannot take a change stays until its process restarts (an exit would
  // read to the app as the worker's end, before its process is told to go).
  exit: thread ? () => {} : undefined,
  signalOnRestart: !thread,
  // Only the process hotnode started speaks for the app to hotnode's parent.
  tellParent: parent ? null : hotHookParent(),
});
installStackTraces((url) => registry.stackView(url), RUNTIME_DIR);
// The app's process (not a worker thread or forked process, which would each hold the file's
// bytes, and restart with it) compiles from the code cache. Code from the cache was compiled
// without the counters V8's coverage (NODE_V8_COVERAGE, c8) needs: under coverage every module
// compiles from source.
const codeCache = parent || process.env.NODE_V8_COVERAGE ? null : new CodeCache(path.join(path.dirname(socketPath), "code-cache"), hello.generation);
useCodeCache(codeCache);
channel.onReply = (/** @type {import("./protocol.mjs").HotnodeMessage} */ reply) => {
  if (reply.type === "modules") registry.takeModules(reply);
};
// Only a terminal shows a prompt (and loading readline costs a start a millisecond).
if (isatty(0) && isatty(1)) followPrompts((open) => channel.send(toHotnode.prompt(open)));
serveCreateRequire(registry);
serveNodeLoaders(registry, RUNTIME_DIR);
serveSourceMaps(registry);
channel.onMessage = (/** @type {import("./protocol.mjs").HotnodeMessage} */ message) => {
  if (go && message.type === "update") {
    // Nothing runs yet: the new code simply replaces what was loaded.
    for (const payload of message.modules) registry.receive(payload);
    return;
  }
  if (go && message.type !== "go") return;
  switch (message.type) {
    case "go":
      go?.();
      go = null;
      break;
    case "update":
      void status.receive(message.modules, message.seq);
      break;
    case "error":
      status.receiveError(message.err);
      void events.emit("vite:error", { type: "error", err: message.err });
      void events.emit("message", message.err.message ?? "error", message.err);
      break;
    case "reload":
      void engine.reloadSoon({ type: "reload", path: message.path, reason: "watched", chain: [message.path] }, message.path);
      break;
    case "custom":
      void events.emit(message.event, message.data);
      break;
    case "print":
      printAbovePrompt(message.text);
      break;
    case "modules":
    case "ack":
      // A reply whose request is no longer waited for (a restart's ack after its wait).
      break;
    default:
      unknownMessage(message);
  }
};
/** When the app's start began: the process's start, or a standby's `go`. */
let startedAt = 0;
if (told) {
  // The connection does not keep a process alive (the app's own handles do): the wait does.
  const waiting = setInterval(() => {}, 1 << 30);
  await prepare(entry);
  await told;
  clearInterval(waiting);
  startedAt = performance.now();
  for (const signal of ["SIGINT", "SIGHUP"]) process.removeListener(signal, ignore);
  channel.onClose = () => {};
  tellSignals(channel);
}
try {
  await engine.boot(entry);
} catch (err) {
  // An import that gives no module, at start-up: the message says which and why (and hotnode has
  // shown the code frame of a file that does not parse). Left to node, it would come after an
  // echo of the runtime's line that threw it.
  if (err && typeof err === "object" && LOAD_FAILURE in err && isMainThread) {
    console.error(/** @type {Error} */ (/** @type {unknown} */ (err)).stack);
    process.exit(1);
  }
  throw err;
}
// performance.now() counts from the process's start: what the user waited for.
const cached = [...registry.records.values()].filter((r) => r.fromCache && r.state === "evaluated").length;
channel.send(toHotnode.started(registry.evaluatedCount, Math.round(performance.now() - startedAt), cached));
// What the start compiled, for the next one (a restart's process compiles from it).
if (session[ENV.restart] !== "0") void codeCache?.save(() => registry.records.values());

/**
 * A standby's preparation: the app's modules fetched and compiled, none evaluated. A failure
 * is left for the real start to meet (and report) as it would without a standby.
 * @param {string} entry
 */
async function prepare(entry) {
  try {
    await registry.fetch(entry, null);
    // Compiled from the cache the running app saves after its start (its first start may still
    // be writing it): the functions the start runs then come compiled.
    await codeCache?.previousSave(/** @type {Promise<unknown>} */ (told));
    /** @type {Set<string>} */
    const builtins = new Set();
    for (const record of registry.records.values()) {
      if (record.format !== "json") record.compile();
      for (const target of Object.values(record.deps)) {
        if ("external" in target && QUIET_BUILTINS.has(target.external.replace(/^node:/, ""))) builtins.add(target.external);
      }
    }
    // Loaded now, they cost the start nothing: the app's own require or import finds them
    // loaded, as it would after any other code had loaded them.
    const requireBuiltin = nodeCreateRequire(import.meta.url);
    for (const builtin of builtins) requireBuiltin(builtin);
  } catch {
    // The start after `go` fetches and compiles again, and says what went wrong.
  }
  collectGarbage();
}

/**
 * A full collection, so the app's start begins with an empty young generation: what the
 * preparation left there would otherwise be scavenged (copied) in the middle of the start.
 * V8's `gc` is taken as Jest takes it, and the flag unset again, so no context the app makes
 * has a `gc` of its own.
 */
function collectGarbage() {
  // Run with node's --expose-gc, the app has its own `gc`, and the flag stays as it is.
  if (typeof globalThis.gc === "function") return globalThis.gc();
  v8.setFlagsFromString("--expose-gc");
  const gc = /** @type {() => void} */ (runInNewContext("gc"));
  v8.setFlagsFromString("--no-expose-gc");
  gc();
}

/**
 * hotnode sends a signal it got on to the app, unless the app got it too: a signal sent to the
 * whole process group (npm, concurrently, a test's kill) reaches both. Saying so keeps the app
 * from handling it twice. With no listener of the app's own, the process then ends by the signal,
 * as node does by default.
 * @param {Channel} channel
 */
function tellSignals(channel) {
  for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM", "SIGHUP"])) {
    const tell = Object.assign(() => {
      channel.send(toHotnode.signal(signal));
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, tell);
        process.kill(process.pid, signal);
      }
    }, { [RUNTIME_LISTENER]: true });
    process.on(signal, tell);
  }
}

/**
 * A message type the switch above does not handle: the channel lets through only the types
 * `protocol.mjs` knows, so this is a runtime that forgot one (tsc says so first: `never`).
 * @param {never} message
 */
function unknownMessage(message) {
  process.emitWarning(`[hot] no handler for hotnode's message ${JSON.stringify(/** @type {any} */ (message).type)}`);
}
