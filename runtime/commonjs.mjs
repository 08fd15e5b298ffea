// @ts-check
/**
 * The CommonJS loader: app modules in Node's wrapper `(exports, require, module, __filename,
 * __dirname)`, with a `require` that serves app modules from the registry (synchronously:
 * their code arrived with the importer) and `module.hot`, webpack's face. Also CommonJS-format
 * files written with `import`/`export` (`cjs-interop`): the module-runner form with
 * synchronous imports, as TypeScript's and esbuild's CommonJS output.
 */
import { createRequire } from "node:module";
import path from "node:path";
import { exportAll, isCommonJs } from "./module-record.mjs";

/**
 * @typedef {import("./module-record.mjs").ModuleRecord} ModuleRecord
 * @typedef {import("./registry.mjs").Registry} Registry
 * @typedef {import("./registry.mjs").Instance} Instance
 */

export class CommonJsLoader {
  /** @param {Registry} registry the module system this loader is half of */
  constructor(registry) {
    this.registry = registry;
  }

  /**
   * Evaluates a CommonJS module: synchronously, so a `require` can return its exports.
   * @param {ModuleRecord} record
   * @param {object} exports
   * @param {Set<ModuleRecord>} ancestors
   */
  evaluate(record, exports, ancestors) {
    const instance = this.registry.startInstance(record, exports, ancestors);
    try {
      this.run(record, instance);
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
   */
  load(record, ancestors = new Set()) {
    if (record.state === "new") {
      record.state = "evaluating";
      try {
        this.evaluate(record, this.registry.exportsFor(record), ancestors);
        record.state = "evaluated";
      } catch (err) {
        this.registry.failed(record, err);
        throw err;
      }
    }
    if (record.state === "errored") throw record.error;
    return /** @type {any} */ (record.namespace).default;
  }

  /**
   * Runs the module in Node's wrapper, with `require` going through hotnode for app modules
   * and `module.hot`.
   * @param {ModuleRecord} record
   * @param {Instance} instance
   */
  run(record, instance) {
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
    const require = this.createRequire(instance, nativeRequire);
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
          (/** @type {string} */ specifier) => this.registry.dynamicImport(record, specifier),
          (/** @type {any} */ from) => exportAll(from, exports),
        );
      } else {
        const dynamicImport = (/** @type {unknown} */ specifier) => this.registry.dynamicImport(record, specifier);
        fn.call(module.exports, module.exports, require, module, filename, dirname, dynamicImport);
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
   * @param {NodeJS.Require} nativeRequire
   */
  createRequire(instance, nativeRequire) {
    const loader = this;
    const { record } = instance;
    const records = this.registry.records;
    /** @param {string} specifier */
    function require(specifier) {
      const target = record.deps[specifier];
      if (target && "id" in target) {
        const dep = records.get(target.id);
        if (dep) return loader.requireRecord(instance, dep);
      }
      if (!target && typeof specifier === "string" && !specifier.startsWith("node:")) {
        let resolved = null;
        try {
          resolved = nativeRequire.resolve(specifier);
        } catch {
          // Node's own require reports it below.
        }
        const dep = resolved && records.get(resolved);
        if (dep) {
          // A module disposed because no code named it any more, required by a computed path:
          // webpack warns the same way; hotnode still runs its code (nothing is lost).
          if (dep.pruned) console.warn(`[HMR] unexpected require(${dep.id}) to disposed module`);
          return loader.requireRecord(instance, dep);
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
    const registry = this.registry;
    // An edge taken by a live instance after its evaluation (an accept callback's require) is
    // linked at once; during evaluation it is committed with the instance.
    if (registry.running.get(instance.record) === instance) instance.imports.add(dep);
    else if (instance.record.hot === instance.hot) registry.link(instance.record, dep);
    if (dep.state === "evaluating") {
      // A require cycle: Node hands out the partial `module.exports`.
      const running = registry.running.get(dep);
      if (running?.module) return running.module.exports;
      return /** @type {any} */ (dep.namespace).default;
    }
    if (!isCommonJs(dep) && dep.state === "new") {
      const err = new Error(`require() of ES Module ${dep.id} from ${instance.record.id} not supported.`);
      Object.assign(err, { code: "ERR_REQUIRE_ESM" });
      throw err;
    }
    return this.load(dep, instance.ancestors);
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
