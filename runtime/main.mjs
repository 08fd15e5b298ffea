// @ts-check
/**
 * The process hotnode starts: `node [node options] main.mjs <entry> [app args]`. Connects to
 * the session's socket, restores `process.argv` to what plain `node <entry>` gives, and
 * evaluates the entry through the engine. A throw at start-up is left uncaught so node
 * reports it and exits non-zero, exactly as without hotnode.
 */
import path from "node:path";
import { isatty } from "node:tty";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { assemble } from "./assemble.mjs";
import { RUNTIME_LISTENER } from "./engine.mjs";
import { Channel } from "./channel.mjs";
import { serveCreateRequire } from "./create-require.mjs";
import { LOAD_FAILURE, RUNTIME_DIR } from "./errors.mjs";
import { installHelpers } from "./helpers.mjs";
import { serveNodeLoaders } from "./node-loaders.mjs";
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
channel.onReply = (/** @type {import("./protocol.mjs").HotnodeMessage} */ reply) => {
  if (reply.type === "modules") registry.takeModules(reply);
};
// Only a terminal shows a prompt (and loading readline costs a start a millisecond).
if (isatty(0) && isatty(1)) followPrompts((open) => channel.send(toHotnode.prompt(open)));
serveCreateRequire(registry);
serveNodeLoaders(registry, RUNTIME_DIR);
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
channel.send(toHotnode.started(registry.evaluatedCount, Math.round(performance.now() - startedAt)));

/**
 * A standby's preparation: the app's modules fetched and compiled, none evaluated. A failure
 * is left for the real start to meet (and report) as it would without a standby.
 * @param {string} entry
 */
async function prepare(entry) {
  try {
    await registry.fetch(entry, null);
    for (const record of registry.records.values()) {
      if (record.format !== "json") record.compile();
    }
  } catch {
    // The start after `go` fetches and compiles again, and says what went wrong.
  }
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
