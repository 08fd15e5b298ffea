// @ts-check
/**
 * An app served by a fake channel instead of hotnode: modules in the form hotnode's transform
 * emits (module-runner form for ES modules, plain CommonJS), every module sent with the first
 * fetch (as hotnode sends a module with its static dependencies).
 */
import { assemble } from "../assemble.mjs";

/**
 * @typedef {{ code: string, deps?: Record<string, string>, format?: "esm" | "cjs" | "cjs-interop",
 *   exports?: import("../protocol.mjs").ModuleExports, names?: Record<string, string[]> }} Source
 */

/**
 * @param {Record<string, Source>} files
 * @param {{ manual?: boolean }} [options]
 */
export function app(files, options = {}) {
  /** @type {any[]} */
  const sent = [];
  /** @param {string} id */
  const payload = (id) => ({
    id,
    url: "file://" + id,
    format: files[id].format ?? "esm",
    ...stepped(files[id]),
    deps: Object.fromEntries(Object.entries(files[id].deps ?? {}).map(([s, t]) => [s, t.startsWith("node:") ? { external: t } : { id: t }])),
    exports: files[id].exports,
    names: files[id].names,
  });
  const channel = {
    /** @param {object} message */
    send(message) {
      sent.push(message);
    },
    /** @param {any} message */
    async request(message) {
      if (message.type !== "fetch") {
        sent.push(message);
        return { type: "ack" };
      }
      const id = message.importer ? files[message.importer].deps?.[message.specifier] ?? message.specifier : message.specifier;
      return { target: { id }, modules: Object.keys(files).map(payload) };
    },
  };
  /** @type {number[]} */
  const exits = [];
  const { engine, status, events, registry } = assemble(/** @type {any} */ (channel), { exit: (code) => exits.push(code), manual: options.manual });
  return {
    engine,
    status,
    events,
    registry,
    files,
    sent,
    exits,
    /**
     * Saves new code of `id`; resolves when the update it triggers (auto mode) is over.
     * @param {string} id
     * @param {string} code
     */
    async edit(id, code) {
      files[id] = { ...files[id], code };
      await status.receive([/** @type {any} */ (payload(id))]);
    },
    /** hotnode's message for a file that does not parse. @param {string} id @param {string} message */
    brokenSave(id, message) {
      status.receiveError({ id, message, frame: "> 1 | " + message });
    },
  };
}

/**
 * A test module's code is written as the module-runner form (`await __vite_ssr_import__(...)`);
 * hotnode's transform turns each import into a step (see `import_steps.rs`): this does the same
 * for the simple imports tests write. A module that still awaits is an async module.
 * @param {Source} source
 */
function stepped(source) {
  if ((source.format ?? "esm") !== "esm") return { code: source.code };
  const isAsync = /\bawait\b/.test(source.code.replace(/await __vite_ssr_import__\(/g, ""));
  const stop = isAsync ? "(await __hotnode_wait__())" : "(yield)";
  const code = source.code.replace(/await __vite_ssr_import__\(([^()]*)\)/g, (_, args) => `(__vite_ssr_import__(${args}) ?? ${stop})`);
  return { code, async: isAsync };
}

/** Lines the modules under test log with `__log(...)`. */
export const log = {
  /** @type {string[]} */
  lines: [],
  reset() {
    this.lines = [];
  },
};
/** @type {any} */ (globalThis).__log = (/** @type {string} */ line) => log.lines.push(line);
