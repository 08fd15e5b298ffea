// @ts-check
/**
 * The process hotnode starts: `node [node options] main.mjs <entry> [app args]`. Connects to
 * the session's socket, restores `process.argv` to what plain `node <entry>` gives, and
 * evaluates the entry through the engine. A throw at start-up is left uncaught so node
 * reports it and exits non-zero, exactly as without hotnode.
 */
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { Channel } from "./channel.mjs";
import { Engine } from "./engine.mjs";
import { installHelpers } from "./helpers.mjs";
import { joinForks } from "./processes.mjs";
import { UNRESOLVED } from "./registry.mjs";

process.setSourceMapsEnabled(true);
installHelpers(globalThis);
joinForks(fileURLToPath(import.meta.url));

const socketPath = process.env.HOTNODE_SOCKET;
const token = process.env.HOTNODE_TOKEN;
if (!socketPath || !token || process.argv.length < 3) {
  console.error("hotnode runtime: start it through `hotnode <entry>`");
  process.exit(2);
}
const entry = path.resolve(process.argv[2]);
process.argv.splice(1, 2, entry);

// A process the app forked (see processes.mjs) says whose it is; hotnode started the others.
const parent = Number(process.env.HOTNODE_PARENT) || null;
const role = parent ? process.env.HOTNODE_ROLE ?? "forked process" : null;
delete process.env.HOTNODE_PARENT;
delete process.env.HOTNODE_ROLE;
const channel = await Channel.connect(socketPath, {
  token,
  pid: process.pid,
  parent,
  role,
  generation: Number(process.env.HOTNODE_GENERATION) || 0,
  entry,
  node: process.versions.node,
});
if (!parent) tellSignals(channel);
if (parent) {
  // hotnode ends the process it started when it exits; a forked process ends with the session
  // too, through its own SIGTERM handling, so none outlives hotnode holding a port.
  channel.onClose = () => process.kill(process.pid, "SIGTERM");
}
const engine = new Engine(channel, { restart: process.env.HOTNODE_RESTART !== "0", manual: process.env.HOTNODE_APPLY === "manual" });
channel.onMessage = (message) => {
  switch (message.type) {
    case "update":
      void engine.receiveUpdate(message.modules, message.seq);
      break;
    case "error":
      engine.status.receiveError(message.err ?? {});
      void engine.events.emit("vite:error", { type: "error", err: message.err });
      void engine.events.emit("message", message.err?.message ?? "error", message.err);
      break;
    case "reload":
      void engine.enqueue(() => engine.reload({ type: "reload", path: message.path, reason: "watched", chain: [message.path] }, message.path));
      break;
    case "custom":
      void engine.events.emit(message.event, message.data);
      break;
  }
};
try {
  await engine.boot(entry);
} catch (err) {
  // An import that names nothing, at start-up: the message says which and where. Left to node,
  // it would come after an echo of the runtime's line that threw it.
  if (err && typeof err === "object" && UNRESOLVED in err) {
    console.error(/** @type {Error} */ (err).stack);
    process.exit(1);
  }
  throw err;
}
// performance.now() counts from the process's start: what the user waited for.
channel.send({ type: "started", modules: engine.registry.evaluatedCount, ms: Math.round(performance.now()) });

/**
 * hotnode sends a signal it got on to the app, unless the app got it too: a signal sent to the
 * whole process group (npm, concurrently, a test's kill) reaches both. Saying so keeps the app
 * from handling it twice. With no listener of the app's own, the process then ends by the signal,
 * as node does by default.
 * @param {Channel} channel
 */
function tellSignals(channel) {
  for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM", "SIGHUP"])) {
    const tell = () => {
      channel.send({ type: "signal", signal });
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, tell);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, tell);
  }
}
