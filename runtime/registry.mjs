// @ts-check
/**
 * Live module instances: code received from hotnode, evaluation in the module-runner form,
 * one namespace object per module that lives across versions (its getters are redefined when
 * a new version evaluates successfully, so importers reading `dep.name` see the new binding),
 * and the importer graph the planner walks.
 */
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import v8 from "node:v8";
import { HotContext } from "./hot-context.mjs";

export const RUNTIME_DIR = path.dirname(fileURLToPath(import.meta.url));

/** Marks the error of an import that names nothing (see `unresolved`). */
export const UNRESOLVED = Symbol("hotnode.unresolved");

/**
 * The error of an import that names nothing: node's code, hotnode's message (the specifier and
 * the importer), and a stack of the app's frames only: the runtime's frames would only hide
 * where the import is.
 * @param {string} message
 */
function unresolved(message) {
  const err = new Error(message);
  const frames = (err.stack ?? "").split("\n").slice(1);
  const app = frames.filter((line) => !line.includes(RUNTIME_DIR) && !line.includes("node:internal"));
  err.stack = [`Error [ERR_MODULE_NOT_FOUND]: ${message}`, ...app].join("\n");
  Object.assign(err, { code: "ERR_MODULE_NOT_FOUND", [UNRESOLVED]: true });
  return err;
}

// Every version of a module is compiled with `new Function`, whose source V8's compilation
// cache keeps alive through ordinary garbage collections: 1,000 updates of a 64 KB module
// grew the app by 200 MB that only a memory-pressure GC would give back. Without the cache
// each old version goes with its last reference. The cache only ever saves the compile of a
// source identical to one compiled before, which hot updates never repeat.
v8.setFlagsFromString("--no-compilation-cache");

const AsyncFunction = /** @type {FunctionConstructor} */ (Object.getPrototypeOf(async () => {}).constructor);
const ESM_PARAMS = ["__vite_ssr_exports__", "__vite_ssr_import_meta__", "__vite_ssr_import__", "__vite_ssr_dynamic_import__", "__vite_ssr_exportAll__"];
const CJS_PARAMS = ["exports", "require", "module", "__filename", "__dirname"];

/**
 * @typedef {{ id: string } | { external: string } | { error: string }} Target
 * @typedef {"esm" | "cjs" | "cjs-interop" | "json"} Format  `cjs-interop`: `import`/`export` in a
 *   CommonJS-format file, in the module-runner form but with synchronous imports (as TypeScript's
 *   and esbuild's CommonJS output)
 * @typedef {{ id: string, url: string, format: Format, code: string,
 *   deps: Record<string, Target>, names?: Record<string, string[]> }} ModulePayload
 * @typedef {import("./engine.mjs").Engine} Engine
 */

/**
 * CommonJS modules are replaced the way webpack replaces them: an update only marks them
 * outdated, and the next `require` (an accept callback's, or a self-accepted module's own
 * re-require) evaluates the new version.
 * @param {{ format: Format }} record
 */
export function isLazy(record) {
  return record.format === "cjs" || record.format === "cjs-interop";
}

function createNamespace() {
  const ns = Object.create(null);
  Object.defineProperty(ns, Symbol.toStringTag, { value: "Module" });
  return ns;
}

export class ModuleRecord {
  /** @param {ModulePayload} payload */
  constructor(payload) {
    this.id = payload.id;
    this.url = payload.url;
    this.format = payload.format;
    this.code = payload.code;
    /** @type {Record<string, Target>} */
    this.deps = payload.deps;
    /** @type {Record<string, string[]>} */
    this.names = payload.names ?? {};
    /** The namespace importers hold: one object for the module's whole life. */
    this.namespace = createNamespace();
    /** @type {"new" | "evaluating" | "evaluated" | "errored"} */
    this.state = "new";
    /** @type {Promise<void> | null} */
    this.evaluation = null;
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
    /** @type {{ exports: any } | null} the live CommonJS `module` object */
    this.module = null;
    /** Disposed because nothing imported it any more (webpack's "disposed" module). */
    this.pruned = false;
    /** @type {Function | null} `code` compiled: an importer re-evaluated by an update runs the same code again */
    this.compiled = null;
  }

  /**
   * The function the current code compiles to, compiled once: re-evaluating the 100 unchanged
   * importers of a changed module then costs no compile (and no source-map parse) each.
   */
  compile() {
    if (!this.compiled) {
      this.compiled =
        this.format === "cjs-interop"
          ? new Function(...CJS_PARAMS, ...ESM_PARAMS, this.code)
          : this.format === "cjs"
            ? new Function(...CJS_PARAMS, this.code)
            : new AsyncFunction(...ESM_PARAMS, this.code);
    }
    return this.compiled;
  }

  /** @param {ModulePayload} payload */
  setCode(payload) {
    if (payload.code !== this.code || payload.format !== this.format) this.compiled = null;
    this.url = payload.url;
    this.format = payload.format;
    this.code = payload.code;
    this.deps = payload.deps;
    this.names = payload.names ?? {};
  }
}

/**
 * One evaluation of a module: where its exports go and which modules it imported, committed
 * to the record only if the evaluation succeeds.
 */
class Instance {
  /** @param {ModuleRecord} record @param {object} exports @param {Set<ModuleRecord>} ancestors @param {HotContext} hot */
  constructor(record, exports, ancestors, hot) {
    this.record = record;
    this.exports = exports;
    this.ancestors = ancestors;
    this.hot = hot;
    /** @type {Set<ModuleRecord>} */
    this.imports = new Set();
    /** @type {{ exports: any } | null} CommonJS `module`, handed out to a `require` cycle */
    this.module = null;
  }
}

export class Registry {
  /** @param {Engine} engine */
  constructor(engine) {
    this.engine = engine;
    /** @type {Map<string, ModuleRecord>} */
    this.records = new Map();
    this.evaluatedCount = 0;
    /** @type {Map<ModuleRecord, Instance>} evaluations under way */
    this.running = new Map();
    /** @type {Set<ModuleRecord>} modules whose first evaluation threw (see `retryErrored`) */
    this.errored = new Set();
  }

  /**
   * New code for a module: returns the record if a live instance must be replaced. (A module
   * whose first evaluation threw was made new by `retryErrored` before the update: it is
   * evaluated afresh, from the new code, at its next import.)
   * @param {ModulePayload} payload
   * @returns {ModuleRecord | null}
   */
  takeCode(payload) {
    this.accept(payload);
    const record = /** @type {ModuleRecord} */ (this.records.get(payload.id));
    return record.state === "evaluated" ? record : null;
  }

  /** @param {ModulePayload} payload */
  accept(payload) {
    const existing = this.records.get(payload.id);
    if (existing) existing.setCode(payload);
    else this.records.set(payload.id, new ModuleRecord(payload));
  }

  /**
   * Asks hotnode for a module (and, batched, the static dependencies it will need).
   * @param {string} specifier
   * @param {ModuleRecord | null} importer
   * @returns {Promise<Target>}
   */
  async fetch(specifier, importer) {
    const reply = await this.engine.channel.request({ type: "fetch", specifier, importer: importer?.id ?? null });
    for (const payload of reply.modules ?? []) this.accept(payload);
    return reply.target;
  }

  /**
   * @param {ModuleRecord | null} importer
   * @param {string} specifier
   * @returns {Promise<Target>}
   */
  async resolve(importer, specifier) {
    const known = importer?.deps[specifier];
    if (known && (!("id" in known) || this.records.has(known.id))) return known;
    return this.fetch(specifier, importer);
  }

  /**
   * A synchronous best effort for `accept("./dep")` and `import.meta.resolve`: hotnode
   * resolved every string specifier of the module in advance; anything else is resolved
   * relative to the module.
   * @param {ModuleRecord} record
   * @param {string} specifier
   */
  resolveSync(record, specifier) {
    const known = record.deps[specifier];
    if (known && "id" in known) return known.id;
    if (specifier.startsWith("file:")) return fileURLToPath(specifier);
    if (specifier.startsWith(".") || path.isAbsolute(specifier)) return path.resolve(path.dirname(record.id), specifier);
    return specifier;
  }

  /**
   * `import` of `specifier` by a module being evaluated (static or dynamic).
   * @param {Instance | null} instance
   * @param {ModuleRecord | null} importer
   * @param {string} specifier
   */
  async importFrom(instance, importer, specifier) {
    const target = await this.resolve(importer, specifier);
    if ("error" in target) throw unresolved(target.error);
    if ("external" in target) return import(target.external);
    const dep = this.records.get(target.id);
    if (!dep) throw new Error(`hotnode did not send ${target.id}`);
    if (instance) instance.imports.add(dep);
    else if (importer) this.link(importer, dep);
    return this.instantiate(dep, instance ? instance.ancestors : new Set());
  }

  /** @param {ModuleRecord} importer @param {ModuleRecord} dep */
  link(importer, dep) {
    importer.imports.add(dep);
    dep.importers.add(importer);
  }

  /**
   * The namespace of `dep`, evaluating it first if it has not been. Inside an update, a module
   * that the update will re-evaluate is re-evaluated now, so its importers see the new version.
   * @param {ModuleRecord} dep
   * @param {Set<ModuleRecord>} ancestors modules whose evaluation is waiting on this import
   * @returns {Promise<object>}
   */
  async instantiate(dep, ancestors) {
    if (ancestors.has(dep)) return dep.namespace; // a cycle: hand out the live namespace
    const update = this.engine.currentUpdate;
    if (update && update.pending.has(dep)) await update.reevaluate(dep);
    if (dep.state === "evaluated") return dep.namespace;
    if (dep.state === "errored") throw dep.error;
    if (dep.state === "new") {
      dep.state = "evaluating";
      dep.evaluation = this.evaluate(dep, this.exportsFor(dep), ancestors).then(
        () => {
          dep.state = "evaluated";
        },
        (err) => {
          this.failed(dep, err);
          throw err;
        },
      );
    }
    await dep.evaluation;
    return dep.namespace;
  }

  /**
   * Evaluates the module's current code into `exports`; on success the instance's hot context
   * and imports become the record's live ones. Throws what the module threw.
   * @param {ModuleRecord} record
   * @param {object} exports
   * @param {Set<ModuleRecord>} ancestors
   */
  async evaluate(record, exports, ancestors) {
    if (isLazy(record)) return this.evaluateCommonJs(record, exports, ancestors);
    const instance = this.startInstance(record, exports, ancestors);
    try {
      await this.runEsm(record, instance);
    } catch (err) {
      this.endInstance(instance, false);
      throw err;
    }
    this.endInstance(instance, true);
  }

  /**
   * `evaluate` for a CommonJS module: synchronous, so a `require` can return its exports.
   * @param {ModuleRecord} record
   * @param {object} exports
   * @param {Set<ModuleRecord>} ancestors
   */
  evaluateCommonJs(record, exports, ancestors) {
    const instance = this.startInstance(record, exports, ancestors);
    try {
      this.runCommonJs(record, instance);
    } catch (err) {
      this.endInstance(instance, false);
      throw err;
    }
    this.endInstance(instance, true);
  }

  /**
   * @param {ModuleRecord} record
   * @param {object} exports
   * @param {Set<ModuleRecord>} ancestors
   */
  startInstance(record, exports, ancestors) {
    const instance = new Instance(record, exports, new Set([...ancestors, record]), new HotContext(record, this.engine));
    this.running.set(record, instance);
    return instance;
  }

  /**
   * Ends an evaluation: a successful one becomes the record's live instance; a failed one's
   * listeners go with it. A CommonJS module that fails to re-evaluate keeps what its new
   * version did before it threw (webpack's rule: the partial exports, the registrations).
   * @param {Instance} instance
   * @param {boolean} succeeded
   */
  endInstance(instance, succeeded) {
    const record = instance.record;
    this.running.delete(record);
    const reevaluation = record.order !== -1;
    if (reevaluation) this.engine.currentUpdate?.done.add(record);
    if (succeeded) this.commit(record, instance);
    else if (reevaluation && isLazy(record)) {
      this.commit(record, instance);
      record.stale = true;
      record.state = "evaluated";
    } else this.engine.events.removeOwner(instance.hot);
  }

  /**
   * Where a new evaluation of `record` writes its exports: the namespace itself the first
   * time, a staging object for a new version (moved into the namespace when it commits).
   * @param {ModuleRecord} record
   */
  exportsFor(record) {
    return record.order === -1 ? record.namespace : Object.create(null);
  }

  /** @param {ModuleRecord} record @param {Instance} instance */
  commit(record, instance) {
    if (instance.exports !== record.namespace) moveExports(instance.exports, record.namespace);
    // Edges the new instance did not take during evaluation (an `import()` made later, in a
    // request handler) survive while its code still names that module; the rest are cut, and
    // the modules they led to may be pruned.
    const named = new Set(Object.values(record.deps).flatMap((t) => ("id" in t ? [t.id] : [])));
    for (const dep of record.imports) {
      if (instance.imports.has(dep)) continue;
      if (named.has(dep.id)) {
        instance.imports.add(dep);
        continue;
      }
      dep.importers.delete(record);
      this.engine.lostImporter(dep);
    }
    for (const dep of instance.imports) dep.importers.add(record);
    record.imports = instance.imports;
    if (record.hot) this.engine.events.removeOwner(record.hot);
    record.hot = instance.hot;
    record.module = instance.module;
    record.stale = false;
    record.pruned = false;
    if (record.order === -1) record.order = this.evaluatedCount++;
  }

  /** @param {ModuleRecord} record @param {Instance} instance */
  async runEsm(record, instance) {
    const fn = record.compile();
    const meta = this.importMeta(record, instance.hot);
    const exports = instance.exports;
    await fn(
      exports,
      meta,
      (/** @type {string} */ specifier) => this.importFrom(instance, record, specifier),
      (/** @type {string} */ specifier) => this.importFrom(this.running.get(record) ?? null, record, specifier),
      (/** @type {any} */ from) => exportAll(from, exports),
    );
  }

  /**
   * Runs a CommonJS module (or a CommonJS-format module written with `import`/`export`) in
   * Node's wrapper, with `require` going through hotnode for app modules and `module.hot`.
   * @param {ModuleRecord} record
   * @param {Instance} instance
   */
  runCommonJs(record, instance) {
    const filename = record.id;
    const dirname = path.dirname(filename);
    const nativeRequire = createRequire(filename);
    const module = {
      id: filename,
      filename,
      path: dirname,
      exports: {},
      loaded: false,
      children: [],
      paths: nativeRequire.resolve.paths("") ?? [],
      hot: instance.hot.webpackApi,
    };
    instance.module = module;
    const require = this.createRequire(record, instance, nativeRequire);
    try {
      if (record.format === "cjs-interop") {
        Object.defineProperty(module.exports, "__esModule", { value: true });
        const fn = record.compile();
        const exports = module.exports;
        fn.call(
          exports,
          exports,
          require,
          module,
          filename,
          dirname,
          exports,
          this.importMeta(record, instance.hot),
          (/** @type {string} */ specifier) => interopNamespace(require(specifier)),
          (/** @type {string} */ specifier) => this.importFrom(this.running.get(record) ?? null, record, specifier),
          (/** @type {any} */ from) => exportAll(from, exports),
        );
      } else {
        const fn = record.compile();
        fn.call(module.exports, module.exports, require, module, filename, dirname);
      }
      module.loaded = true;
    } finally {
      // Also after a throw: a CommonJS module that fails to re-evaluate keeps what it exported
      // so far (webpack's rule), and a require cycle sees the partial exports.
      defineCommonJsNamespace(instance.exports, module.exports);
    }
  }

  /**
   * The `require` of one CommonJS instance. App modules named by a string literal arrived with
   * the importer, so requiring them stays synchronous; a computed specifier that resolves to
   * a module hotnode already sent goes through hotnode too; anything else is Node's require
   * (packages, builtins, and app files hotnode could not know in advance: those run, but are
   * not hot-updated).
   * @param {ModuleRecord} record
   * @param {Instance} instance
   * @param {NodeJS.Require} nativeRequire
   */
  createRequire(record, instance, nativeRequire) {
    const registry = this;
    /** @param {string} specifier */
    function require(specifier) {
      const target = record.deps[specifier];
      if (target && "id" in target) {
        const dep = registry.records.get(target.id);
        if (dep) return registry.requireRecord(instance, dep);
      }
      if (!target && typeof specifier === "string" && !specifier.startsWith("node:")) {
        let resolved = null;
        try {
          resolved = nativeRequire.resolve(specifier);
        } catch {
          // Node's own require reports it below.
        }
        const dep = resolved && registry.records.get(resolved);
        if (dep) {
          // A module disposed because no code named it any more, required by a computed path:
          // webpack warns the same way; hotnode still runs its code (nothing is lost).
          if (dep.pruned) console.warn(`[HMR] unexpected require(${dep.id}) to disposed module`);
          return registry.requireRecord(instance, dep);
        }
      }
      return nativeRequire(specifier);
    }
    Object.assign(require, { resolve: nativeRequire.resolve, cache: nativeRequire.cache, main: nativeRequire.main });
    return require;
  }

  /**
   * Synchronous `require` of an app module from CommonJS (its code arrived with the importer).
   * @param {Instance} instance
   * @param {ModuleRecord} dep
   */
  requireRecord(instance, dep) {
    // An edge taken by a live instance after its evaluation (an accept callback's require) is
    // linked at once; during evaluation it is committed with the instance.
    if (this.running.get(instance.record) === instance) instance.imports.add(dep);
    else if (instance.record.hot === instance.hot) this.link(instance.record, dep);
    if (dep.state === "evaluating") {
      // A require cycle: Node hands out the partial `module.exports`.
      const running = this.running.get(dep);
      if (running?.module) return running.module.exports;
      return /** @type {any} */ (dep.namespace).default;
    }
    if (!isLazy(dep) && dep.state === "new") {
      const err = new Error(`require() of ES Module ${dep.id} from ${instance.record.id} not supported.`);
      Object.assign(err, { code: "ERR_REQUIRE_ESM" });
      throw err;
    }
    return this.load(dep, instance.ancestors);
  }

  /**
   * A CommonJS module's `module.exports`, evaluating it first if it is new or outdated.
   * @param {ModuleRecord} record
   * @param {Set<ModuleRecord>} [ancestors]
   */
  load(record, ancestors = new Set()) {
    if (record.state === "new") {
      record.state = "evaluating";
      try {
        this.evaluateCommonJs(record, this.exportsFor(record), ancestors);
        record.state = "evaluated";
      } catch (err) {
        this.failed(record, err);
        throw err;
      }
    }
    if (record.state === "errored") throw record.error;
    return /** @type {any} */ (record.namespace).default;
  }

  /**
   * A failed evaluation: the module is errored (its importers get the error), unless a
   * CommonJS re-evaluation committed what it got to (then later requires get that, as webpack).
   * @param {ModuleRecord} record
   * @param {unknown} err
   */
  failed(record, err) {
    if (record.state !== "evaluating") return;
    record.state = "errored";
    record.error = err;
    this.errored.add(record);
  }

  /**
   * Before an update: modules whose first evaluation threw are evaluated afresh at their next
   * import. Not only the one that threw: its importers errored with its error, and an update
   * that fixes it carries their code unchanged (or not at all).
   */
  retryErrored() {
    for (const record of this.errored) {
      if (record.state === "errored") {
        record.state = "new";
        record.error = undefined;
        record.evaluation = null;
      }
    }
    this.errored.clear();
  }

  /** @param {ModuleRecord} record @param {HotContext} hot */
  importMeta(record, hot) {
    const registry = this;
    return {
      url: record.url,
      filename: record.id,
      dirname: path.dirname(record.id),
      /** @param {string} specifier */
      resolve(specifier) {
        const known = record.deps[specifier];
        if (known && "id" in known) return pathToFileURL(known.id).href;
        if (known && "external" in known) return known.external;
        if (specifier.startsWith(".") || specifier.startsWith("/")) return new URL(specifier, record.url).href;
        try {
          return pathToFileURL(createRequire(record.id).resolve(specifier)).href;
        } catch {
          return registry.resolveSync(record, specifier);
        }
      },
      hot: hot.api,
      dynoHot: hot.api,
      get webpackHot() {
        return hot.webpackApi;
      },
    };
  }
}

/**
 * Makes `target` (the namespace importers hold) expose what `source` (a new version's exports)
 * defines: the rebinding of live imports, without proxies.
 * @param {object} source
 * @param {object} target
 */
function moveExports(source, target) {
  for (const key of Reflect.ownKeys(target)) {
    if (key !== Symbol.toStringTag && !Object.prototype.hasOwnProperty.call(source, key)) delete (/** @type {any} */ (target))[key];
  }
  for (const key of Reflect.ownKeys(source)) {
    const descriptor = Object.getOwnPropertyDescriptor(source, key);
    if (descriptor) Object.defineProperty(target, key, { ...descriptor, configurable: true });
  }
}

/**
 * `export * from`: every name but `default` that the module does not export itself.
 * @param {any} from
 * @param {object} exports
 */
function exportAll(from, exports) {
  for (const key in from) {
    if (key !== "default" && !(key in exports)) {
      Object.defineProperty(exports, key, { enumerable: true, configurable: true, get: () => from[key] });
    }
  }
}

/**
 * The namespace ES modules see of a CommonJS module, as Node builds it: `default` is
 * `module.exports`, and its own properties are named exports.
 * @param {object} namespace
 * @param {any} value
 */
function defineCommonJsNamespace(namespace, value) {
  Object.defineProperty(namespace, "default", { enumerable: true, configurable: true, get: () => value });
  if (value && (typeof value === "object" || typeof value === "function")) {
    for (const key of Object.keys(value)) {
      if (key !== "default") Object.defineProperty(namespace, key, { enumerable: true, configurable: true, get: () => value[key] });
    }
  }
}

/**
 * What an `import` in a CommonJS-format module gets, as TypeScript's `esModuleInterop` and
 * esbuild give it: a module compiled from ES syntax (`__esModule`) as it is; any other value
 * as its properties plus `default` = the value itself.
 * @param {any} value
 */
function interopNamespace(value) {
  if (value && value.__esModule) return value;
  // The value as prototype: named imports read its properties live, also those a require
  // cycle adds later.
  const isObject = value !== null && (typeof value === "object" || typeof value === "function");
  const namespace = Object.create(isObject ? value : null);
  Object.defineProperty(namespace, "default", { enumerable: true, value });
  return namespace;
}

export { createNamespace };
