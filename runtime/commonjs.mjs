// @ts-check
/**
 * The CommonJS loader: app modules in Node's wrapper `(exports, require, module, __filename,
 * __dirname)`, with a `require` that serves app modules from the registry (synchronously:
 * their code arrived with the importer) and `module.hot`, webpack's face. Also CommonJS-format
 * files written with `import`/`export` (`cjs-interop`): the module-runner form with
 * synchronous imports, as TypeScript's and esbuild's CommonJS output.
 */
import { Module, isBuiltin } from "node:module";
import { appLoaders } from "./app-files.mjs";
import { nodeCreateRequire } from "./create-require.mjs";
import path from "node:path";
import { exportAll, isCommonJs } from "./module-record.mjs";
import { webpackId } from "./webpack-ids.mjs";
import { Instance } from "./registry.mjs";

/**
 * @typedef {import("./module-record.mjs").ModuleRecord} ModuleRecord
 * @typedef {import("./registry.mjs").Registry} Registry
 */

export class CommonJsLoader {
  /** @param {Registry} registry the module system this loader is half of */
  constructor(registry) {
    this.registry = registry;
    /** The app's entry, when it is a CommonJS module: node's `require.main`. @type {Module | undefined} */
    this.main = undefined;
  }

  /**
   * Evaluates a CommonJS module: synchronously, so a `require` can return its exports.
   * @param {ModuleRecord} record
   * @param {object} exports
   * @param {Set<ModuleRecord>} ancestors
   * @param {Module} [parent] the module whose `require` loads it (none when imported)
   */
  evaluate(record, exports, ancestors, parent) {
    const instance = this.registry.startInstance(record, exports, ancestors);
    try {
      this.run(record, instance, parent);
    } catch (err) {
      this.registry.endInstance(instance, false);
      throw err;
    }
    this.registry.endInstance(instance, true);
  }

  /**
   * A CommonJS module's `module.exports`, evaluating it first if it is new or outdated.
   * @param {ModuleRecord} record
   * @param {Set<ModuleRecord>} [ancestors]
   * @param {Module} [parent] the module whose `require` loads it
   */
  load(record, ancestors = new Set(), parent = undefined) {
    if (record.state === "new") {
      record.state = "evaluating";
      try {
        this.evaluate(record, this.registry.exportsFor(record), ancestors, parent);
        record.state = "evaluated";
      } catch (err) {
        this.registry.failed(record, err);
        throw err;
      }
    }
    if (record.state === "errored") throw record.error;
    return /** @type {any} */ (record.bindings).default;
  }

  /**
   * Runs the module in Node's wrapper, with `require` going through hotnode for app modules
   * and `module.hot`.
   * @param {ModuleRecord} record
   * @param {Instance} instance
   * @param {Module} [parent] the module whose `require` loads it
   */
  run(record, instance, parent) {
    const filename = record.id;
    const dirname = path.dirname(filename);
    // Node's own `Module`, as node makes it: `instanceof Module`, `.parent` (the first requirer;
    // null for the entry), `.children`, the entry's id ".".
    const isMain = record.id === this.registry.entryId;
    // A new version takes the old one's place (its parent, its slot among the parent's
    // children) instead of adding a child per update.
    const previous = record.module;
    const module = new Module(isMain ? "." : filename, isMain ? /** @type {any} */ (null) : previous ? undefined : parent);
    if (previous && !isMain) takePlace(previous, module);
    module.filename = filename;
    module.paths = nodeModulePaths(dirname);
    defineModuleHot(module, /** @type {import("./hot-context.mjs").HotContext} */ (instance.hot));
    if (isMain) {
      this.main = module;
      process.mainModule = module;
    }
    instance.module = module;
    const require = this.createRequire(instance, filename);
    // `module.require(id)` is the module's require, through hotnode for app modules.
    module.require = require;
    try {
      const fn = record.compile();
      if (record.format === "cjs-interop") {
        Object.defineProperty(module.exports, "__esModule", { value: true });
        const exports = module.exports;
        fn.call(
          exports,
          exports,
          require,
          module,
          filename,
          dirname,
          exports,
          this.registry.importMeta(record, instance.hot),
          (/** @type {string} */ specifier) => interopNamespace(require(specifier)),
          (/** @type {unknown} */ specifier, /** @type {unknown} */ options) => this.registry.dynamicImport(record, specifier, options),
          (/** @type {any} */ from) => exportAll(from, exports),
          instance.makeSlots,
        );
      } else {
        const dynamicImport = (/** @type {unknown} */ specifier, /** @type {unknown} */ options) =>
          this.registry.dynamicImport(record, specifier, options);
        fn.call(module.exports, module.exports, require, module, filename, dirname, dynamicImport, instance.makeSlots);
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
   * @param {Instance} instance
   * @param {string} filename the module's file
   */
  createRequire(instance, filename) {
    const loader = this;
    const { record } = instance;
    const records = this.registry.records;
    // Node's own require of the file, made at first need: most app modules require only app
    // modules, which never reach it.
    /** @type {NodeJS.Require | null} */
    let native = null;
    const nativeRequire = () => (native ??= nodeCreateRequire(filename));
    /** @param {string} specifier */
    function require(specifier) {
      const target = record.deps[specifier];
      // Code of a version an update replaced, still running (a closure kept somewhere): webpack
      // warns, naming the module required and the requirer.
      if (instance.hot?.disposed) {
        const dep = target && "id" in target ? records.get(target.id) : typeof specifier === "string" && !isBuiltin(specifier) ? loader.registry.computedDep(record, specifier, nativeRequire()) : null;
        const id = dep ? webpackId(dep.id) : specifier;
        console.warn(`[HMR] unexpected require(${id}) from disposed module ${webpackId(record.id)}`);
      }
      if (target && "id" in target) {
        const dep = records.get(target.id);
        if (dep) return loader.requireRecord(instance, dep);
      }
      if (!target && typeof specifier === "string" && !isBuiltin(specifier)) {
        const dep = loader.registry.computedDep(record, specifier, nativeRequire());
        if (dep) {
          // A module disposed because no code named it any more, required by a computed path:
          // webpack warns the same way; hotnode still runs its code (nothing is lost).
          if (dep.pruned) console.warn(`[HMR] unexpected require(${webpackId(dep.id)}) to disposed module`);
          return loader.requireRecord(instance, dep);
        }
      }
      if (typeof specifier === "string" && !isBuiltin(specifier)) appLoaders.beforePackages();
      const value = nativeRequire()(specifier);
      if (typeof specifier === "string") loader.registry.noteLoadedByNode(nativeRequire(), specifier, "require() with a computed specifier");
      return value;
    }
    /** @param {string} request @param {{ paths?: string[] }} [options] */
    function resolve(request, options) {
      return nativeRequire().resolve(request, options);
    }
    /** @param {string} request */
    function paths(request) {
      return nativeRequire().resolve.paths(request);
    }
    resolve.paths = paths;
    // Node's properties, in node's order.
    require.resolve = resolve;
    require.main = this.main;
    require.extensions = /** @type {any} */ (Module)._extensions;
    require.cache = /** @type {any} */ (Module)._cache;
    return require;
  }

  /**
   * `require()` of an app module through a `createRequire(file)` of `owner`'s file: as the
   * module's own `require` would, from its instance evaluating now or its live one.
   * @param {ModuleRecord} owner
   * @param {ModuleRecord} dep
   */
  requireFor(owner, dep) {
    const running = this.registry.running.get(owner);
    if (running) return this.requireRecord(running, dep);
    // The live instance as it stands: an edge taken now is linked at once (see requireRecord).
    const live = new Instance(owner, owner.bindings, new Set(), /** @type {any} */ (owner.hot));
    live.module = owner.module;
    return this.requireRecord(live, dep);
  }

  /**
   * `require()` of an app module by code node loaded (a package): what the module's requirers
   * get, with no edge (a package accepts nothing: an update of it restarts, unless it accepts
   * itself).
   * @param {ModuleRecord} dep
   * @param {string} from the requiring file
   */
  requireFromNode(dep, from) {
    dep.servedToNode = true;
    if (dep.format === "json") return this.requireJson(dep);
    if (isCommonJs(dep)) return this.load(dep);
    const outside = new Instance(/** @type {any} */ ({ id: from }), {}, new Set(), /** @type {any} */ (null));
    return this.requireEsm(outside, dep);
  }

  /**
   * Synchronous `require` of an app module from CommonJS (its code arrived with the importer).
   * @param {Instance} instance
   * @param {ModuleRecord} dep
   */
  requireRecord(instance, dep) {
    const registry = this.registry;
    // An edge taken by a live instance after its evaluation (an accept callback's require) is
    // linked at once; during evaluation it is committed with the instance.
    if (registry.running.get(instance.record) === instance) instance.imports.add(dep);
    else if (instance.record.hot === instance.hot) registry.link(instance.record, dep);
    if (dep.state === "evaluating" && !isCommonJs(dep) && dep.format !== "json") return this.requireEsm(instance, dep);
    if (dep.state === "evaluating") {
      // A require cycle: Node hands out the partial `module.exports`.
      const running = registry.running.get(dep);
      if (running?.module) return running.module.exports;
      return /** @type {any} */ (dep.bindings).default;
    }
    if (dep.format === "json") return this.requireJson(dep);
    // Node lists a module among its requirers' children once, also when it was loaded already.
    const child = dep.module;
    if (child && instance.module && !instance.module.children.includes(child)) instance.module.children.push(child);
    if (!isCommonJs(dep)) return this.requireEsm(instance, dep);
    return this.load(dep, instance.ancestors, /** @type {Module} */ (instance.module));
  }

  /**
   * `require()` of an ES module, as the node running the app does it: where it has
   * `process.features.require_module` (20.19+, 22.12+), the module's graph evaluates
   * synchronously and the result is its namespace (with `__esModule` when it has a default
   * export), or what it exports as "module.exports"; a graph with top-level await cannot be
   * required. Elsewhere it is node's ERR_REQUIRE_ESM.
   * @param {Instance} instance
   * @param {ModuleRecord} dep
   */
  requireEsm(instance, dep) {
    const registry = this.registry;
    const from = instance.record.id;
    if (!process.features.require_module) {
      throw Object.assign(new Error(`require() of ES Module ${dep.id} from ${from} not supported.`), { code: "ERR_REQUIRE_ESM" });
    }
    if (dep.state === "evaluating") {
      throw Object.assign(new Error(`Cannot require() ES Module ${dep.id} in a cycle. (from ${from})`), { code: "ERR_REQUIRE_CYCLE_MODULE" });
    }
    if (dep.state === "new" && awaitsInGraph(dep, registry.records)) throw requireAsyncError(dep.id, from);
    registry.synchronous++;
    try {
      const running = registry.evaluateNow(dep, instance.ancestors);
      if (running) {
        running.catch(() => {});
        throw requireAsyncError(dep.id, from);
      }
    } finally {
      registry.synchronous--;
    }
    return registry.requireResult(dep);
  }

  /**
   * `require("./data.json")`: the parsed document, as node returns it (the same object each
   * time). A JSON module's code only defines its `default`, synchronously, so evaluating it
   * here has set it by the time this returns.
   * @param {ModuleRecord} dep
   */
  requireJson(dep) {
    if (dep.state === "new") void this.registry.instantiate(dep, new Set()).catch(() => {});
    if (dep.state === "errored") throw dep.error;
    return /** @type {any} */ (dep.bindings).default;
  }
}

/**
 * Whether a module not evaluated yet, or one its evaluation would evaluate, awaits at its top level.
 * @param {ModuleRecord} root
 * @param {Map<string, ModuleRecord>} records
 */
function awaitsInGraph(root, records) {
  const seen = new Set([root]);
  const queue = [root];
  for (let i = 0; i < queue.length; i++) {
    const record = queue[i];
    if (record.async) return true;
    for (const specifier of Object.keys(record.names)) {
      const target = record.deps[specifier];
      const dep = target && "id" in target ? records.get(target.id) : undefined;
      if (dep && dep.state === "new" && !seen.has(dep)) {
        seen.add(dep);
        queue.push(dep);
      }
    }
  }
  return false;
}

/**
 * Node's ERR_REQUIRE_ASYNC_MODULE, worded as the running node words it.
 * @param {string} id
 * @param {string} from
 */
function requireAsyncError(id, from) {
  const base =
    "require() cannot be used on an ESM graph with top-level await. Use import() instead. To see where the top-level await comes from, use --experimental-print-required-tla.";
  const major = Number(process.versions.node.split(".")[0]);
  const where = major >= 24 ? `\nRequired module: ${id}\nRequire stack:\n- ${from}` : `\n  From ${from} \n  Requiring ${id} `;
  return Object.assign(new Error(base + where), { code: "ERR_REQUIRE_ASYNC_MODULE" });
}

/** @type {Map<string, string[]>} `module.paths` by folder; see `nodeModulePaths` */
const modulePathsByDir = new Map();
/** @type {Function | null} the `Module._nodeModulePaths` that filled `modulePathsByDir` */
let modulePathsOf = null;

/**
 * `module.paths` of a module in `dir`, as node sets it (its `node_modules` folders up to the
 * root; not the global folders a resolution adds). Each module gets its own array; the work is
 * done once per folder, again if a tool replaces `Module._nodeModulePaths`.
 * @param {string} dir
 */
function nodeModulePaths(dir) {
  const compute = /** @type {any} */ (Module)._nodeModulePaths;
  if (compute !== modulePathsOf) {
    modulePathsByDir.clear();
    modulePathsOf = compute;
  }
  let paths = modulePathsByDir.get(dir);
  if (!paths) modulePathsByDir.set(dir, (paths = compute(dir)));
  return /** @type {string[]} */ (paths).slice();
}

/**
 * `module.hot`, webpack's face of the instance's hot context, made when the module first reads
 * it (most never do). It reads and writes as the own data property webpack gives.
 * @param {Module} module
 * @param {import("./hot-context.mjs").HotContext} hot
 */
function defineModuleHot(module, hot) {
  /** @param {unknown} value */
  const settle = (value) => Object.defineProperty(module, "hot", { value, writable: true, enumerable: true, configurable: true });
  Object.defineProperty(module, "hot", {
    get() {
      const api = hot.webpackApi;
      settle(api);
      return api;
    },
    set: settle,
    enumerable: true,
    configurable: true,
  });
}

/**
 * `next` (a new version's module) stands where `previous` stood: the same parent, and the same
 * place among the parent's children.
 * @param {Module} previous
 * @param {Module} next
 */
function takePlace(previous, next) {
  const parent = previous.parent;
  if (!parent) return;
  next.parent = parent;
  const at = parent.children.indexOf(previous);
  if (at !== -1) parent.children[at] = next;
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
