// @ts-check
/**
 * One app module as the runtime holds it: its latest code from hotnode, the bindings its
 * importers read (one object for the module's whole life, so importers reading `dep.name` see
 * each new version's bindings), its live hot context and its place in the importer graph.
 */

/**
 * @typedef {import("./protocol.mjs").Target} Target
 * @typedef {import("./protocol.mjs").Format} Format
 * @typedef {import("./protocol.mjs").ModulePayload} ModulePayload
 * @typedef {import("./hot-context.mjs").HotContext} HotContext
 */

import { Script, constants as vmConstants } from "node:vm";

const ESM_PARAMS = ["__vite_ssr_exports__", "__vite_ssr_import_meta__", "__vite_ssr_import__", "__vite_ssr_dynamic_import__", "__vite_ssr_exportAll__"];
/** What an ES module's code asks before its body: are its dependencies evaluated; what to await (see `import_steps.rs`). */
const STEP_PARAMS = ["__hotnode_deps_ready__", "__hotnode_wait__", "__hotnode_module__"];
const CJS_PARAMS = ["exports", "require", "module", "__filename", "__dirname"];
/** `import()` in a CommonJS module, rewritten by the transform (a native one would resolve from
 * the runtime's folder): the function that resolves it from the module. */
const CJS_DYNAMIC_IMPORT = "__hotnode_dynamic_import__";
/** Makes the module's refresh slots (the transform's `refresh_slots.rs`, runtime's `refresh.mjs`). */
const REFRESH = "__hotnode_refresh__";
/** An `import()` the transform did not rewrite (in code a direct `eval` runs) goes to node's
 * loader, from the module's file. */
const DYNAMIC_IMPORT = vmConstants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;

/** @type {import("./code-cache.mjs").CodeCache | null} where compiled code is read from (and saved to) */
let codeCache = null;

/** Compiles modules from (and lets them be saved to) `cache`. @param {import("./code-cache.mjs").CodeCache | null} cache */
export function useCodeCache(cache) {
  codeCache = cache;
}

/**
 * Whether the module is CommonJS (also when written with `import`/`export`). CommonJS modules
 * are replaced the way webpack replaces them: an update only marks them outdated, and the next
 * `require` (an accept callback's, or a self-accepted module's own re-require) evaluates the
 * new version.
 * @param {{ format: Format }} record
 */
export function isCommonJs(record) {
  return record.format === "cjs" || record.format === "cjs-interop";
}

/**
 * An empty bindings object: no prototype, tagged "Module" (a CommonJS module's is also the
 * namespace ES importers get).
 */
export function createBindings() {
  const bindings = Object.create(null);
  Object.defineProperty(bindings, Symbol.toStringTag, { value: "Module" });
  return bindings;
}

/**
 * The exports an ES module (or a JSON module) declares; none for CommonJS, whose exports only
 * running it tells.
 * @param {ModulePayload} payload
 */
function exportsOf(payload) {
  return payload.format === "esm" || payload.format === "json" ? payload.exports ?? null : null;
}

/**
 * `export * from`: every name but `default` that the module does not export itself, read live.
 * @param {any} from
 * @param {object} exports
 */
export function exportAll(from, exports) {
  for (const key in from) {
    if (key !== "default" && !(key in exports)) {
      Object.defineProperty(exports, key, { enumerable: true, configurable: true, get: () => from[key] });
    }
  }
}

export class ModuleRecord {
  /** @param {ModulePayload} payload */
  constructor(payload) {
    this.id = payload.id;
    /** @type {Function | null} `code` compiled: an importer re-evaluated by an update runs the same code again */
    this.compiled = null;
    /** @type {import("node:vm").Script | null} the script `compiled` came from */
    this.script = null;
    /** Names `code` compiled in the code cache (empty: not cached). */
    this.cacheKey = "";
    /** `compiled` came from the code cache. */
    this.fromCache = false;
    /** @type {string} */ this.url;
    /** @type {import("./protocol.mjs").Format} */ this.format;
    /** @type {string} */ this.code;
    /** @type {boolean} an ES module that awaits at its top level */ this.async;
    /** @type {Record<string, import("./protocol.mjs").ImportAttributes[]>} */ this.attributes;
    /** @type {string | undefined} */ this.typelessPackage;
    /** @type {{ unsupported: string, imports: string[] } | null} */ this.sourcePhase;
    /** @type {Record<string, Target>} */ this.deps;
    /** @type {Record<string, string[]>} the names it imports from each specifier */ this.names;
    /** @type {import("./protocol.mjs").ModuleExports | null} what an ES module exports */ this.exports;
    /** @type {boolean} its imports were checked against what they import from (see link.mjs) */ this.linked;
    /** @type {string} names the code (see `refresh.mjs`: which version a refresh plan was made from) */ this.codeHash;
    /** @type {import("./refresh.mjs").RefreshPayload | undefined} how to refresh the running instance to this code */ this.refreshPlan;
    /** Code node loaded (a package) imports or requires it: an update of it must be accepted. */
    this.servedToNode = false;
    /** @type {Set<() => void> | null} bridges node's loader made of it, told of each new version (`node-loaders.mjs`) */
    this.bridges = null;
    /** @type {Map<string, import("./protocol.mjs").Target> | null} computed specifiers resolved so far, per code version (see `Registry.computedDep`; made at first need) */
    this.computed = null;
    this.setCode(payload);
    /**
     * The module's exports as getters (the current version's, moved here when it commits):
     * one object for the module's whole life, which named imports read. The namespace
     * object of an ES module is a view of it (`namespace.mjs`).
     */
    this.bindings = createBindings();
    /** @type {import("./namespace.mjs").Namespace | null} the namespace handed out, made at first need */
    this.ns = null;
    /** @type {import("./namespace.mjs").Namespace | null} what `require()` of it returns, if it adds `__esModule` */
    this.requireNs = null;
    /** @type {"new" | "evaluating" | "evaluated" | "errored"} */
    this.state = "new";
    /** @type {Promise<void> | null} */
    this.evaluation = null;
    /** @type {ModuleRecord | null} the first module of the import cycle it evaluated in */
    this.cycleRoot = null;
    /** @type {unknown} the error of a failed first evaluation, rethrown to later importers */
    this.error = undefined;
    /** @type {Set<ModuleRecord>} */
    this.importers = new Set();
    /** @type {Set<ModuleRecord>} */
    this.imports = new Set();
    /** @type {HotContext | null} the live instance's context */
    this.hot = null;
    /** `import.meta.hot.data`: `{}` at first, the same object handed to each new instance. */
    this.data = {};
    /** `module.hot.data`: undefined on first load, then the object the last dispose filled. */
    /** @type {object | undefined} */
    this.webpackData = undefined;
    /** Position in first-evaluation order: accept callbacks run in this (import) order. */
    this.order = -1;
    /** A newer version failed to evaluate: the module still runs its previous instance. */
    this.stale = false;
    /** @type {import("node:module").Module | null} the live CommonJS `module` object */
    this.module = null;
    /** @type {import("./registry.mjs").WebpackModule | null} an ES module's webpack `module` (see registry's `webpackModule`) */
    this.webpackModule = null;
    /** @type {Set<string> | null} modules it imports with hot-hook's boundary marker (`import(x,
     * import.meta.hot?.boundary)`): a change under one stops there (planner's `importedAsBoundary`) */
    this.boundaryImports = null;
    /** @type {import("./registry.mjs").Instance | null} the ES module's last re-evaluation, if it threw
     * (webpack's error handler gets its module object; see `Update.selfAcceptFailed`) */
    this.failedInstance = null;
    /** Disposed because nothing imported it any more (webpack's "disposed" module). */
    this.pruned = false;
    /** @type {import("./refresh.mjs").Slots | null} the live instance's refresh slots */
    this.refresh = null;
  }

  /**
   * The function the current code compiles to, compiled once: re-evaluating the 100 unchanged
   * importers of a changed module then costs no compile (and no source-map parse) each.
   *
   * Compiled as a script holding one function expression, the text `new Function` would make
   * (positions in the code and its source map count the same two lines before the body), so
   * that V8 can hand out the compiled code for a cache (`code-cache.mjs`); and with the file's
   * name as node gives it (a path, an ES module's URL), which stack frames report.
   */
  compile() {
    if (!this.compiled) {
      const params =
        this.format === "cjs-interop"
          ? [...CJS_PARAMS, ...ESM_PARAMS, REFRESH]
          : this.format === "cjs"
            ? [...CJS_PARAMS, CJS_DYNAMIC_IMPORT, REFRESH]
            : [...ESM_PARAMS, ...STEP_PARAMS, REFRESH];
      const kind = isCommonJs(this) ? "function" : this.async ? "async function" : "function*";
      const source = `(${kind} (${params.join(",")}\n) {\n${this.code}\n})`;
      // The same key is the same text: a hash of the code and its length (never the length
      // alone, for code that came without a hash).
      this.cacheKey = codeCache && this.codeHash ? `${this.codeHash}-${this.code.length}-${this.format}${this.async ? "-async" : ""}` : "";
      const cachedData = codeCache?.read(this.cacheKey);
      const script = new Script(source, { filename: this.scriptName(), cachedData, importModuleDynamically: DYNAMIC_IMPORT });
      this.script = script;
      this.fromCache = Boolean(cachedData && !script.cachedDataRejected);
      this.compiled = /** @type {Function} */ (script.runInThisContext());
    }
    return this.compiled;
  }

  /** The name the module's script has: what node names the file in stack frames. */
  scriptName() {
    return isCommonJs(this) ? this.id : this.url;
  }

  /**
   * Whether the code reads `import.meta` (most modules do not: theirs is not made). Known once
   * per version.
   */
  usesImportMeta() {
    this.readsImportMeta ??= this.code.includes("__vite_ssr_import_meta__");
    return this.readsImportMeta;
  }

  /** Whether the code reads webpack's `module` (the transform's `webpack_module.rs`). */
  usesWebpackModule() {
    this.readsWebpackModule ??= this.format === "esm" && this.code.includes("__hotnode_module__");
    return this.readsWebpackModule;
  }

  /** The code of a new version (and on construction, the first). @param {ModulePayload} payload */
  setCode(payload) {
    if (payload.code !== this.code || payload.format !== this.format || Boolean(payload.async) !== this.async) {
      this.compiled = null;
      this.script = null;
      this.cacheKey = "";
      this.fromCache = false;
    }
    /** @type {boolean | undefined} see `usesImportMeta` */
    this.readsImportMeta = undefined;
    /** @type {boolean | undefined} see `usesWebpackModule` */
    this.readsWebpackModule = undefined;
    this.async = Boolean(payload.async);
    this.url = payload.url;
    this.format = payload.format;
    this.code = payload.code;
    this.codeHash = payload.codeHash ?? "";
    this.refreshPlan = payload.refresh;
    this.deps = payload.deps;
    this.computed = null;
    this.names = payload.names ?? {};
    this.exports = exportsOf(payload);
    /** @type {Record<string, import("./protocol.mjs").ImportAttributes[]>} */
    this.attributes = payload.attributes ?? {};
    this.typelessPackage = payload.typelessPackage;
    this.sourcePhase = payload.sourcePhase ?? null;
    this.linked = false;
  }

  /**
   * The current code as hotnode sent it (to put back, or to stage a variant of).
   * @param {string} [code] other code in its place
   * @returns {ModulePayload}
   */
  payload(code = this.code) {
    return { id: this.id, url: this.url, format: this.format, code, codeHash: code === this.code ? this.codeHash : undefined, deps: this.deps, names: this.names, exports: this.exports ?? undefined, async: this.async, attributes: this.attributes, typelessPackage: this.typelessPackage, sourcePhase: this.sourcePhase ?? undefined };
  }

  /** The app modules the current code names by a string specifier. */
  namedDeps() {
    return new Set(Object.values(this.deps).flatMap((t) => ("id" in t ? [t.id] : [])));
  }

  /** Back to never evaluated: the next import or require evaluates the current code afresh. */
  reset() {
    this.state = "new";
    this.evaluation = null;
    this.error = undefined;
  }
}
