// @ts-check
/**
 * The protocol between hotnode and the runtime, as the runtime sees it: every message each side
 * sends, one line of JSON each, and what both sides must agree on besides (the environment
 * variables that carry the session, the waits of a restart). The Rust side is
 * `crates/hotnode_server/src/protocol.rs`; the golden samples in `test/protocol-samples/` are
 * written by one side and read by the other, so the two cannot drift.
 */

/**
 * How a specifier resolved: an app module (by absolute path), something node loads itself (a
 * package, a builtin: the URL or specifier to import), or why it did not resolve.
 * @typedef {{ id: string } | { external: string } | { error: string, kind: FailureKind }} Target
 * @typedef {"not-found" | "syntax" | "unreadable"} FailureKind  why a specifier gives no module
 * @typedef {"esm" | "cjs" | "cjs-interop" | "json"} Format  `cjs-interop`: `import`/`export` in a
 *   CommonJS-format file, in the module-runner form but with synchronous imports (as TypeScript's
 *   and esbuild's CommonJS output)
 * @typedef {{ local: [string, string][], indirect: [string, string, string][], stars: string[] }} ModuleExports
 *   an ES module's exports: `[exported, local]`, `[exported, specifier, imported]` (`*`: the
 *   other module's namespace), and the specifiers of `export * from`
 * @typedef {{ assert?: boolean, entries: [string, string][] }} ImportAttributes  one
 *   declaration's `with { ... }` (or the removed `assert { ... }`); no entries: none written
 * @typedef {{ id: string, url: string, format: Format, code: string,
 *   deps: Record<string, Target>, names?: Record<string, string[]>, exports?: ModuleExports,
 *   async?: boolean, attributes?: Record<string, ImportAttributes[]>, typelessPackage?: string,
 *   sourcePhase?: { unsupported: string, imports: string[] }, codeHash?: string,
 *   refresh?: import("./refresh.mjs").RefreshPayload }} ModulePayload
 *   one module's code, with how each of its string specifiers resolves, the names it imports
 *   from each (and the attributes of each declaration, where any has some), what it exports,
 *   whether it awaits at its top level, and the package.json without "type" of a `.js` file
 *   that is an ES module by its syntax, the hash of its code and, for a new version that changes
 *   only function bodies, how to put them in the running instance (`refresh.mjs`), and the
 *   source phase it uses (V8's words where it is
 *   not parsed, the specifiers of `import source`)
 * @typedef {{ message: string, stack?: string, id?: string, frame?: string,
 *   loc?: { file: string, line: number, column: number } | null }} ErrorPayload  Vite's
 */

/**
 * hotnode -> runtime.
 * @typedef {{ type: "modules", rid: number, target: Target, modules: ModulePayload[] }} ModulesMessage
 *   the reply to a fetch: the target and the modules of its static closure this process lacks
 * @typedef {{ type: "ack", rid: number }} AckMessage  a request that needs no other answer was taken in
 * @typedef {{ type: "reload", path: string }} ReloadMessage  restart (a `--watch` path changed, or
 *   another process of the app restarts)
 * @typedef {{ type: "update", seq: number, modules: ModulePayload[] }} UpdateMessage  new code of
 *   modules this process holds; answered with `settled`
 * @typedef {{ type: "error", err: ErrorPayload }} ErrorMessage  a file that does not transform
 * @typedef {{ type: "custom", event: string, data: unknown }} CustomMessage  `hot.send` of another process
 * @typedef {{ type: "print", text: string }} PrintMessage  hotnode's lines, sent while this process
 *   shows a prompt on the terminal: to be written above it
 * @typedef {{ type: "go" }} GoMessage  to a standby process: run the app now
 * @typedef {ModulesMessage | AckMessage | ReloadMessage | UpdateMessage | ErrorMessage | CustomMessage
 *   | PrintMessage | GoMessage} HotnodeMessage
 */

/**
 * runtime -> hotnode.
 * @typedef {{ type: "hello", token: string, pid: number, parent: number | null, role: string | null,
 *   generation: number, entry: string, node: string, sidecar?: boolean,
 *   thread?: number | null, requireModule?: boolean, standby?: boolean }} HelloMessage  the first
 *   line: the session's token, and who this process is (`standby`: the next start's process,
 *   waiting for `go`)
 * @typedef {{ type: "started", modules: number, ms: number, cached: number }} StartedMessage  the
 *   entry and its static imports have evaluated; `cached` of the modules compiled from the code
 *   cache (`code-cache.mjs`)
 * @typedef {{ type: "fetch", rid: number, specifier: string, importer: string | null }} FetchMessage
 * @typedef {{ type: "check", rid: number }} CheckMessage  `module.hot.check()`: answered once every
 *   change hotnode has seen was sent
 * @typedef {{ type: "settled", seq: number }} SettledMessage  every update up to `seq` is done with
 * @typedef {{ id: string, message: string, stack: string }} FailedModule
 * @typedef {{ type: "updated", changed: string[], reevaluated: string[], accepted: string[],
 *   nextImport?: string[], refreshed?: string[], refreshedFunctions?: number, failed: FailedModule[],
 *   ms: number }} UpdatedMessage  what an update did in this process (`nextImport`: hot-hook's
 *   `import()` boundaries, new at their next import; `refreshed`: modules whose running functions
 *   took new bodies, `refreshedFunctions` of them, see `refresh.mjs`)
 * @typedef {"declined" | "declined-dependency" | "unaccepted" | "watched"} RestartReason
 * @typedef {{ type: "restart", rid?: number, path: string, reason: RestartReason, chain: string[],
 *   why?: string }} RestartMessage  the update cannot be applied hot (`why`: nor refreshed, and
 *   why not); with `rid` the process waits for the ack
 * @typedef {{ type: "invalidate", path: string, message: string | null }} InvalidateMessage
 * @typedef {{ type: "loaded", path: string, how: string }} LoadedMessage  node loaded an app file
 *   itself, around hotnode (not hot: hotnode watches it and restarts the app when it changes)
 * @typedef {{ type: "signal", signal: "SIGINT" | "SIGTERM" | "SIGHUP" }} SignalMessage  the process
 *   got the signal: hotnode need not send it on
 * @typedef {{ type: "custom", event: string, data: unknown }} CustomToHotnode  `hot.send(event, data)`
 * @typedef {{ type: "prompt", open: boolean }} PromptMessage  a readline prompt is shown on the
 *   terminal (`open`), or none is any more: meanwhile hotnode sends its lines as `print`
 * @typedef {HelloMessage | StartedMessage | FetchMessage | CheckMessage | SettledMessage | UpdatedMessage
 *   | RestartMessage | InvalidateMessage | LoadedMessage | SignalMessage | CustomToHotnode
 *   | PromptMessage} RuntimeMessage
 * @typedef {Omit<FetchMessage, "rid"> | Omit<CheckMessage, "rid"> | Omit<RestartMessage, "rid">} RuntimeRequest
 *   a message sent with `Channel.request`, which adds the `rid`
 */

/** The environment variables that carry the session (hotnode's `protocol::env`). */
export const ENV = Object.freeze({
  socket: "HOTNODE_SOCKET",
  token: "HOTNODE_TOKEN",
  restart: "HOTNODE_RESTART",
  apply: "HOTNODE_APPLY",
  generation: "HOTNODE_GENERATION",
  parent: "HOTNODE_PARENT",
  role: "HOTNODE_ROLE",
  standby: "HOTNODE_STANDBY",
});

/** How long a restarting process waits for hotnode's ack before it goes on. */
export const RESTART_ACK_WAIT_MS = 1000;
/** How long dispose handlers may take before a restart goes ahead without them. Both waits fit
 * in hotnode's exit grace (`protocol::EXIT_GRACE`), so a well-behaved process is never killed. */
export const RESTART_DISPOSE_WAIT_MS = 3000;

/** @param {unknown} v */
const isObject = (v) => typeof v === "object" && v !== null;
/** @param {unknown} v */
const isString = (v) => typeof v === "string";
/** @param {unknown} v */
const isNumber = (v) => typeof v === "number";
/** @param {unknown} v */
const isPayload = (v) => isObject(v) && isString(/** @type {any} */ (v).id) && isString(/** @type {any} */ (v).code);
/** @param {unknown} v */
const isPayloads = (v) => Array.isArray(v) && v.every(isPayload);

/** What each message from hotnode must hold, by type. */
const HOTNODE_SHAPES = /** @type {Record<HotnodeMessage["type"], (m: any) => boolean>} */ ({
  modules: (m) => isNumber(m.rid) && isObject(m.target) && isPayloads(m.modules),
  ack: (m) => isNumber(m.rid),
  reload: (m) => isString(m.path),
  update: (m) => isNumber(m.seq) && isPayloads(m.modules),
  error: (m) => isObject(m.err),
  custom: (m) => isString(m.event),
  print: (m) => isString(m.text),
  go: () => true,
});

/**
 * Reads one line from hotnode. A line that is not JSON, or not a message this runtime knows,
 * is an error that says what it was (the two sides of a mismatched install, or a bug).
 * @param {string} line
 * @returns {HotnodeMessage}
 */
export function readHotnodeMessage(line) {
  /** @type {unknown} */
  const value = JSON.parse(line);
  if (!isObject(value) || !isString(/** @type {any} */ (value).type)) throw new TypeError("a message without a type");
  const type = /** @type {string} */ (/** @type {any} */ (value).type);
  const shape = Object.hasOwn(HOTNODE_SHAPES, type) ? HOTNODE_SHAPES[/** @type {HotnodeMessage["type"]} */ (type)] : null;
  if (!shape) throw new TypeError(`an unknown message type ${JSON.stringify(type)}`);
  if (!shape(value)) throw new TypeError(`a "${type}" message without the fields it needs`);
  return /** @type {HotnodeMessage} */ (value);
}

/** The messages the runtime sends, built in one place so their shapes are the samples'. */
export const toHotnode = {
  /** @param {Omit<HelloMessage, "type">} who @returns {HelloMessage} */
  hello: (who) => ({ type: "hello", ...who }),
  /** @param {number} modules @param {number} ms @param {number} cached @returns {StartedMessage} */
  started: (modules, ms, cached) => ({ type: "started", modules, ms, cached }),
  /** @param {string} specifier @param {string | null} importer @returns {Omit<FetchMessage, "rid">} */
  fetch: (specifier, importer) => ({ type: "fetch", specifier, importer }),
  /** @returns {Omit<CheckMessage, "rid">} */
  check: () => ({ type: "check" }),
  /** @param {number} seq @returns {SettledMessage} */
  settled: (seq) => ({ type: "settled", seq }),
  /** @param {Omit<UpdatedMessage, "type">} outcome @returns {UpdatedMessage} */
  updated: (outcome) => ({ type: "updated", ...outcome }),
  /** @param {{ path: string, reason: RestartReason, chain: string[], why?: string }} plan @returns {Omit<RestartMessage, "rid">} */
  restart: ({ path, reason, chain, why }) => ({ type: "restart", path, reason, chain, ...(why ? { why } : {}) }),
  /** @param {string} path @param {string | undefined} message @returns {InvalidateMessage} */
  invalidate: (path, message) => ({ type: "invalidate", path, message: message ?? null }),
  /** @param {string} path @param {string} how @returns {LoadedMessage} */
  loaded: (path, how) => ({ type: "loaded", path, how }),
  /** @param {SignalMessage["signal"]} signal @returns {SignalMessage} */
  signal: (signal) => ({ type: "signal", signal }),
  /** @param {string} event @param {unknown} data @returns {CustomToHotnode} */
  custom: (event, data) => ({ type: "custom", event, data }),
  /** @param {boolean} open @returns {PromptMessage} */
  prompt: (open) => ({ type: "prompt", open }),
};
