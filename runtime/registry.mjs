// @ts-check
/**
 * Live module instances: code received from hotnode, evaluation of ES modules in the
 * module-runner form (CommonJS is `commonjs.mjs`), and the importer graph the planner walks. A
 * new evaluation of a module runs as an `Instance` whose exports, imports and hot context
 * become the record's only if it succeeds.
 */
import { isBuiltin } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isModuleNamespaceObject } from "node:util/types";
import v8 from "node:v8";
import { appLoaders } from "./app-files.mjs";
import { checkDynamicAttributes } from "./attributes.mjs";
import { CommonJsLoader } from "./commonjs.mjs";
import { nodeCreateRequire } from "./create-require.mjs";
import { loadError } from "./errors.mjs";
import { isPath, resolveAsNode } from "./resolve-url.mjs";
import { ANY, bindingOf, checkLinks, exportedNames, exportsChanged } from "./link.mjs";
import { ModuleRecord, createBindings, exportAll, isCommonJs } from "./module-record.mjs";
import { Namespace, currentNamespace, moduleOfNamespace } from "./namespace.mjs";
import { isConfiguredBoundary } from "./hot-hook.mjs";
import { Slots, applyRefresh, setEvaluating } from "./refresh.mjs";
import { webpackId } from "./webpack-ids.mjs";

/**
 * @typedef {import("./protocol.mjs").Target} Target
 * @typedef {Target | { external: string, unlessFails: Target }} ImportTarget  a target, or node's
 *   to try through the app's module hooks where hotnode found nothing
 * @typedef {import("./protocol.mjs").ModulePayload} ModulePayload
 * @typedef {import("./protocol.mjs").RuntimeRequest} RuntimeRequest
 * @typedef {import("./hot-context.mjs").HotContext} HotContext
 *
 * @typedef {object} UpdateInProgress  what the registry tells the update under way
 * @property {(record: ModuleRecord) => boolean} willReevaluate  the update re-evaluates it (not yet)
 * @property {(record: ModuleRecord) => Promise<void> | null} reevaluate  re-evaluates it now (null: done synchronously)
 * @property {(record: ModuleRecord) => Promise<void> | undefined} reevaluating  its re-evaluation under way
 * @property {(record: ModuleRecord) => void} reevaluated  a re-evaluation ended (succeeded or not)
 * @property {(record: ModuleRecord) => void} lostImporter  a module lost an importer (may be pruned)
 *
 * @typedef {object} RegistryHost  what the registry needs of the rest of the runtime
 * @property {(message: RuntimeRequest) => Promise<any>} request  asks hotnode (a fetch)
 * @property {(message: RuntimeRequest) => any} [requestSync]  asks hotnode, blocking until it answers
 * @property {(file: string, how: string) => void} notLoadedByHotnode  node loaded an app file itself
 * @property {(record: ModuleRecord) => HotContext} createHot  the hot context of a new instance
 * @property {(owner: HotContext) => void} dropListeners  a failed or replaced instance's listeners go
 * @property {() => UpdateInProgress | null} currentUpdate
 */

// Every version of a module is compiled from its source text (`ModuleRecord.compile`), which
// V8's compilation cache keeps alive through ordinary garbage collections: 1,000 updates of a 64 KB module
// grew the app by 200 MB that only a memory-pressure GC would give back. Without the cache
// each old version goes with its last reference. The cache only ever saves the compile of a
// source identical to one compiled before, which hot updates never repeat.
v8.setFlagsFromString("--no-compilation-cache");

/**
 * One evaluation of a module: where its exports go and which modules it imported, committed
 * to the record only if the evaluation succeeds.
 */
export class Instance {
  /** @param {ModuleRecord} record @param {object} exports @param {Set<ModuleRecord>} ancestors @param {HotContext} hot */
  constructor(record, exports, ancestors, hot) {
    this.record = record;
    this.exports = exports;
    this.ancestors = ancestors;
    this.hot = hot;
    /** @type {Set<ModuleRecord>} */
    this.imports = new Set();
    /** @type {import("node:module").Module | null} CommonJS `module`, handed out to a `require` cycle */
    this.module = null;
    /** @type {WebpackModule | null} an ES module's webpack `module`, if its code uses one (the transform's `webpack_module.rs`) */
    this.webpackModule = null;
    /** @type {Slots | null} its functions' refresh slots, if its code has some */
    this.refresh = null;
    /** The module's code asks for its refresh slots (see `refresh.mjs`). */
    this.makeSlots = (/** @type {number} */ count, /** @type {(code: string) => unknown} */ evaluate) =>
      (this.refresh = Slots.make(count, evaluate, record));
  }
}

export class Registry {
  /** @param {RegistryHost} host */
  constructor(host) {
    this.host = host;
    /** @type {Map<string, ModuleRecord>} */
    this.records = new Map();
    /** @type {Map<string, ModuleRecord>} the same by URL (a stack frame names its module's) */
    this.byUrl = new Map();
    this.evaluatedCount = 0;
    /** @type {Map<ModuleRecord, Instance>} evaluations under way */
    this.running = new Map();
    /** @type {Set<ModuleRecord>} modules whose first evaluation threw (see `retryErrored`) */
    this.errored = new Set();
    /** The app's entry module (node's main module). @type {string | null} */
    this.entryId = null;
    this.commonjs = new CommonJsLoader(this);
    /** @type {Map<string, object>} the namespaces of packages and builtins node has loaded, by URL */
    this.externals = new Map();
    /** Inside a `require()` of an ES module: packages it imports load synchronously. */
    this.synchronous = 0;
    /** @type {Set<string>} package.json files whose missing "type" node warned about */
    this.warnedTypeless = new Set();
    /** @type {Set<string>} app files node loaded itself, told to hotnode */
    this.notedByNode = new Set();
    /** @param {ModuleRecord} record */
    this.namesOf = (record) => exportedNames(record, this.records);
    /** @type {Map<string, ModuleRecord>} what a stack frame's URL maps by, where a refresh made
     * it other than the record: the first code of a refreshed instance, and each refresh's code */
    this.stackViews = new Map();
    /** @type {WeakMap<ModuleRecord, string>} the URL of each module's last refresh */
    this.refreshUrls = new WeakMap();
    this.refreshes = 0;
    setEvaluating(() => this.running.size > 0);
  }

  /**
   * The module a stack frame's script URL names, with the code that script ran.
   * @param {string} url
   */
  stackView(url) {
    return this.stackViews.get(url) ?? this.byUrl.get(url);
  }

  /**
   * Puts a new version's function bodies in the running instance (see `refresh.mjs`): the
   * record takes the new code, its running script keeps mapping its frames by the code it ran.
   * @param {ModuleRecord} record
   * @param {import("./refresh.mjs").RefreshPayload} plan
   */
  refresh(record, plan) {
    const view = (/** @type {string} */ code) => /** @type {ModuleRecord} */ (Object.create(record, { code: { value: code } }));
    const running = /** @type {Slots} */ (record.refresh).code;
    if (!this.stackViews.has(record.url)) this.stackViews.set(record.url, view(running));
    const sourceUrl = `${record.url}#hotnode-refresh-${++this.refreshes}`;
    const count = applyRefresh(record, plan, sourceUrl);
    const previous = this.refreshUrls.get(record);
    if (previous) this.stackViews.delete(previous);
    this.refreshUrls.set(record, sourceUrl);
    this.stackViews.set(sourceUrl, view(record.code));
    return count;
  }

  /**
   * What `require()` of an ES module returns: what it exports as "module.exports", else its
   * namespace; with `__esModule: true` beside its names when it has a default export and no
   * `__esModule` of its own (node's interop with code compiled from ES modules).
   * @param {ModuleRecord} record
   */
  requireResult(record) {
    const names = this.namesOf(record);
    if (names.includes("module.exports")) return /** @type {any} */ (record.bindings)["module.exports"];
    if (!names.includes("default") || names.includes("__esModule")) return this.namespaceOf(record);
    record.requireNs ??= new Namespace(record, this.namesOf, { __esModule: true });
    return record.requireNs.proxy;
  }

  /**
   * The namespace object of a module: for an ES or JSON module the language's exotic one over
   * its bindings (`namespace.mjs`); a CommonJS module's bindings are its namespace.
   * @param {ModuleRecord} record
   * @returns {object}
   */
  namespaceOf(record) {
    if (isCommonJs(record)) return record.bindings;
    record.ns = currentNamespace(record.ns, record, this.namesOf);
    return record.ns.proxy;
  }

  /**
   * The module leaves the app as it is (pruned, or replaced at its next import): namespaces
   * handed out keep showing the exports it had, and importers that read its bindings keep the
   * old ones; imported again, it is a new module with new bindings and a new namespace.
   * @param {ModuleRecord} record
   */
  detachNamespaces(record) {
    for (const ns of [record.ns, record.requireNs]) {
      if (ns) ns.record = /** @type {ModuleRecord} */ (Object.create(record, { bindings: { value: record.bindings } }));
    }
    record.bindings = createBindings();
    record.ns = null;
    record.requireNs = null;
    exportsChanged();
  }

  /**
   * Code from hotnode: a new module, or the next version of a known one.
   * @param {ModulePayload} payload
   */
  receive(payload) {
    exportsChanged();
    const existing = this.records.get(payload.id);
    if (existing) existing.setCode(payload);
    else this.records.set(payload.id, new ModuleRecord(payload));
    this.byUrl.set(payload.url, /** @type {ModuleRecord} */ (this.records.get(payload.id)));
  }

  /**
   * New code for a module an update replaces: the record if a live instance must be replaced.
   * (A module whose first evaluation threw was made new by `retryErrored` before the update:
   * it is evaluated afresh, from the new code, at its next import.)
   * @param {ModulePayload} payload
   * @returns {ModuleRecord | null}
   */
  replaceCode(payload) {
    const before = this.records.get(payload.id)?.namedDeps();
    this.receive(payload);
    const record = /** @type {ModuleRecord} */ (this.records.get(payload.id));
    if (before) this.leftUnnamed(before, record.namedDeps());
    return record.state === "evaluated" ? record : null;
  }

  /**
   * Modules the new code no longer names that were never evaluated, and that no other module
   * names: they have left the app, as webpack removes them from the bundle (a `require` of one
   * from old code warns). Evaluated ones leave by pruning. Only dropped names are looked at.
   * @param {Set<string>} before @param {Set<string>} after
   */
  leftUnnamed(before, after) {
    for (const id of before) {
      const dep = this.records.get(id);
      if (after.has(id) || !dep || dep.state !== "new" || dep.pruned) continue;
      const named = [...this.records.values()].some((r) => Object.values(r.deps).some((t) => "id" in t && t.id === id));
      if (!named) dep.pruned = true;
    }
  }

  /**
   * Asks hotnode for a module (and, batched, the static dependencies it will need).
   * @param {string} specifier
   * @param {ModuleRecord | null} importer
   * @returns {Promise<Target>}
   */
  async fetch(specifier, importer) {
    const reply = await this.host.request({ type: "fetch", specifier, importer: importer?.id ?? null });
    this.takeModules(reply);
    return reply.target;
  }

  /**
   * The modules of a fetch's reply, taken in once: as the reply arrives (the channel's
   * `onReply`), so an update read right after it finds them, or by `fetch` itself.
   * @param {{ modules?: ModulePayload[] }} reply
   */
  takeModules(reply) {
    const modules = reply.modules ?? [];
    reply.modules = [];
    for (const payload of modules) this.receive(payload);
  }

  /**
   * `fetch` for code that cannot wait (a computed `require`, node's synchronous module hooks).
   * Null when this runtime has no synchronous way to ask.
   * @param {string} specifier
   * @param {ModuleRecord | null} importer
   * @returns {Target | null}
   */
  fetchSync(specifier, importer) {
    if (!this.host.requestSync) return null;
    const reply = this.host.requestSync({ type: "fetch", specifier, importer: importer?.id ?? null });
    for (const payload of reply.modules ?? []) this.receive(payload);
    return reply.target;
  }

  /**
   * The app module a specifier hotnode could not see in advance names (`require(dir + name)`),
   * resolved by hotnode as it resolves the others, so the app gets the one hot instance; null
   * for a package or builtin (node's own require loads it) or a path hotnode finds nothing at
   * (node's require then reports it in its words). Resolutions are kept per version of the
   * importer, failures never: the file may appear.
   * @param {ModuleRecord} importer
   * @param {string} specifier
   * @param {NodeJS.Require} nativeRequire the importer's node require (when hotnode cannot be asked)
   * @returns {ModuleRecord | null}
   */
  computedDep(importer, specifier, nativeRequire) {
    let target = importer.computed?.get(specifier) ?? this.fetchSync(specifier, importer);
    if (!target) {
      let resolved = null;
      try {
        resolved = nativeRequire.resolve(specifier);
      } catch {
        // Node's own require reports it.
      }
      return (resolved && this.records.get(resolved)) || null;
    }
    if ("error" in target) {
      if (target.kind === "not-found") return null;
      throw loadError(target);
    }
    (importer.computed ??= new Map()).set(specifier, target);
    return "id" in target ? this.records.get(target.id) ?? null : null;
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
   * `import` of `specifier` by a module being evaluated (static or dynamic). An import of
   * names gets the module's bindings (the fast path: code only reads their properties); any
   * other its namespace object.
   * @param {Instance | null} instance
   * @param {ModuleRecord | null} importer
   * @param {string} specifier
   * @param {"namespace" | "bindings"} [form]
   * @param {(dep: ModuleRecord) => void} [check] what an `import()` checks of the module it found
   */
  async importFrom(instance, importer, specifier, form = "namespace", check = undefined) {
    const target = this.throughAppHooks(importer, specifier, await this.resolve(importer, specifier));
    if ("error" in target) throw loadError(target);
    if ("external" in target) return this.loadTarget(target);
    const dep = this.records.get(target.id);
    if (!dep) throw new Error(`hotnode did not send ${target.id}`);
    check?.(dep);
    if (instance) instance.imports.add(dep);
    else if (importer) this.link(importer, dep);
    await this.instantiate(dep, instance ? instance.ancestors : new Set());
    return form === "bindings" ? dep.bindings : this.namespaceOf(dep);
  }

  /** @param {ModuleRecord} importer @param {ModuleRecord} dep */
  link(importer, dep) {
    importer.imports.add(dep);
    dep.importers.add(importer);
  }

  /**
   * Evaluates `dep` if it has not been (an `import()`, the entry). Inside an update, a module
   * that the update will re-evaluate is re-evaluated now, so its importers see the new version.
   * @param {ModuleRecord} dep
   * @param {Set<ModuleRecord>} ancestors modules whose evaluation is waiting on this import
   * @returns {Promise<void>}
   */
  async instantiate(dep, ancestors) {
    await this.evaluateNow(dep, ancestors);
  }

  /**
   * The language's InnerModuleEvaluation, as far as a module's turn goes: evaluates `dep` now
   * if it has not been, synchronously when nothing in its graph is asynchronous. Returns null
   * when it is evaluated (or is on the stack: a cycle), else the promise of its evaluation (it,
   * or a dependency, awaits at its top level, or waits for a package to load). Throws its error.
   * @param {ModuleRecord} dep
   * @param {Set<ModuleRecord>} ancestors modules whose evaluation is waiting on this import
   * @returns {Promise<void> | null}
   */
  evaluateNow(dep, ancestors) {
    if (ancestors.has(dep)) return null; // a cycle: its importer gets the live bindings
    const update = this.host.currentUpdate();
    if (update?.willReevaluate(dep)) return update.reevaluate(dep);
    const reevaluating = update?.reevaluating(dep);
    if (reevaluating) return reevaluating;
    if (dep.state === "errored") throw dep.error;
    // A module of an import cycle is done when the whole cycle is (the language's [[CycleRoot]]).
    const root = dep.cycleRoot;
    if (root && root.state === "evaluating" && root.evaluation && !ancestors.has(root)) return root.evaluation;
    if (dep.state === "evaluated") return null;
    if (dep.state === "evaluating") return dep.evaluation;
    // A graph not linked yet (the entry's, an `import()`'s) is checked before any of it runs.
    if (!dep.linked) checkLinks(dep, this.records);
    if (dep.typelessPackage) this.warnTypeless(dep, dep.typelessPackage);
    dep.state = "evaluating";
    dep.evaluation = null;
    dep.cycleRoot = null;
    /** @type {Promise<void> | null} */
    let result;
    try {
      result = this.evaluate(dep, this.exportsFor(dep), ancestors);
    } catch (err) {
      this.failed(dep, err);
      throw err;
    }
    if (!result) {
      dep.state = "evaluated";
      return null;
    }
    dep.evaluation = result.then(
      () => {
        dep.state = "evaluated";
      },
      (err) => {
        this.failed(dep, err);
        throw err;
      },
    );
    return dep.evaluation;
  }

  /**
   * After node's own `require` ran for `specifier`: if it loaded a file of the app that hotnode
   * does not hold, hotnode is told once (it watches the file and restarts the app when it
   * changes), so no change of it goes unseen.
   * @param {NodeJS.Require} nodeRequire
   * @param {string} specifier
   * @param {string} how
   */
  noteLoadedByNode(nodeRequire, specifier, how) {
    let file;
    try {
      file = nodeRequire.resolve(specifier);
    } catch {
      return;
    }
    this.noteFileLoadedByNode(file, how);
  }

  /**
   * Node loaded `file` itself (if it is an app file hotnode does not hold, hotnode is told once).
   * @param {string} file
   * @param {string} how
   */
  noteFileLoadedByNode(file, how) {
    if (!path.isAbsolute(file) || file.split(path.sep).includes("node_modules") || this.records.has(file) || this.notedByNode.has(file)) return;
    this.notedByNode.add(file);
    this.host.notLoadedByHotnode(file, how);
  }

  /**
   * What an import hotnode found nothing for is node's to load, with node's error if it fails:
   * a URL of another scheme (`virtual:config`, served by a module hook of the app's, or node's
   * ERR_UNSUPPORTED_ESM_URL_SCHEME), and once the app registered module hooks, any specifier
   * (where node finds nothing either, hotnode's error stands: node's would name hotnode's
   * runtime as the importer).
   * @param {ModuleRecord | null} importer
   * @param {string} specifier
   * @param {Target} target
   * @returns {ImportTarget}
   */
  throughAppHooks(importer, specifier, target) {
    if (!("error" in target) || target.kind !== "not-found") return target;
    if (/^[a-z][a-z0-9+.-]*:/i.test(specifier) && !specifier.startsWith("file:")) return { external: specifier };
    if (!appLoaders.hooks) return target;
    const relative = specifier.startsWith("./") || specifier.startsWith("../") || specifier.startsWith("/");
    return { external: relative && importer ? new URL(specifier, importer.url).href : specifier, unlessFails: target };
  }

  /**
   * Node's warning for a package that lets it detect ES modules by their syntax: once a package.
   * @param {ModuleRecord} record
   * @param {string} packageJson
   */
  warnTypeless(record, packageJson) {
    if (this.warnedTypeless.has(packageJson)) return;
    this.warnedTypeless.add(packageJson);
    process.emitWarning(
      `Module type of ${record.url} is not specified and it doesn't parse as CommonJS.\n` +
        "Reparsing as ES module because module syntax was detected. This incurs a performance overhead.\n" +
        `To eliminate this warning, add "type": "module" to ${packageJson}.`,
      "Warning",
      "MODULE_TYPELESS_PACKAGE_JSON",
    );
  }

  /**
   * Evaluates the module's current code into `exports`; on success the instance's hot context
   * and imports become the record's live ones. Returns null when it ran synchronously (throwing
   * what the module threw), else the promise of its end.
   * @param {ModuleRecord} record
   * @param {object} exports
   * @param {Set<ModuleRecord>} ancestors
   * @returns {Promise<void> | null}
   */
  evaluate(record, exports, ancestors) {
    if (isCommonJs(record)) {
      this.commonjs.evaluate(record, exports, ancestors);
      return null;
    }
    const instance = this.startInstance(record, exports, ancestors);
    /** @type {Promise<void> | null} */
    let running;
    try {
      running = this.runEsm(record, instance);
    } catch (err) {
      this.endInstance(instance, false);
      throw err;
    }
    if (!running) {
      this.endInstance(instance, true);
      return null;
    }
    return running.then(
      () => this.endInstance(instance, true),
      (err) => {
        this.endInstance(instance, false);
        throw err;
      },
    );
  }

  /**
   * @param {ModuleRecord} record
   * @param {object} exports
   * @param {Set<ModuleRecord>} ancestors
   */
  startInstance(record, exports, ancestors) {
    const instance = new Instance(record, exports, new Set([...ancestors, record]), this.host.createHot(record));
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
    if (reevaluation) this.host.currentUpdate()?.reevaluated(record);
    record.failedInstance = reevaluation && !succeeded && !isCommonJs(record) ? instance : null;
    if (succeeded) this.commit(record, instance);
    else if (reevaluation && isCommonJs(record)) {
      this.commit(record, instance);
      record.stale = true;
      record.state = "evaluated";
    } else this.host.dropListeners(instance.hot);
    if (reevaluation && record.bridges) for (const bridge of record.bridges) bridge();
  }

  /**
   * Where a new evaluation of `record` writes its exports: the namespace itself the first
   * time, a staging object for a new version (moved into the namespace when it commits).
   * @param {ModuleRecord} record
   */
  exportsFor(record) {
    return record.order === -1 ? record.bindings : Object.create(null);
  }

  /** @param {ModuleRecord} record @param {Instance} instance */
  commit(record, instance) {
    if (instance.exports !== record.bindings) moveExports(instance.exports, record.bindings);
    // Edges the new instance did not take during evaluation (an `import()` made later, in a
    // request handler) survive while its code still names that module; the rest are cut, and
    // the modules they led to may be pruned.
    /** @type {Set<string> | null} made only if an edge was not taken (never at a first evaluation) */
    let named = null;
    for (const dep of record.imports) {
      if (instance.imports.has(dep)) continue;
      named ??= record.namedDeps();
      if (named.has(dep.id)) {
        instance.imports.add(dep);
        continue;
      }
      dep.importers.delete(record);
      this.host.currentUpdate()?.lostImporter(dep);
    }
    for (const dep of instance.imports) dep.importers.add(record);
    record.imports = instance.imports;
    if (record.hot) this.host.dropListeners(record.hot);
    record.hot = instance.hot;
    record.module = instance.module;
    record.webpackModule = instance.webpackModule;
    record.refresh = instance.refresh;
    // The script a refresh patched is gone with its instance.
    this.stackViews.delete(record.url);
    record.stale = false;
    record.pruned = false;
    if (record.order === -1) record.order = this.evaluatedCount++;
  }

  /**
   * Runs an ES module. Its code (see the transform's `import_steps.rs`) asks for each import
   * in turn and gets the dependency's bindings at once, evaluating the dependency first if it
   * is new; it stops (`yield`, or `await __hotnode_wait__()` in a module with top-level await)
   * only for what is not there yet: a package node is loading, and before its body, the
   * dependencies that evaluate asynchronously (an async sibling does not hold up the next
   * import). A module without top-level await whose graph is synchronous runs to its end here.
   * @param {ModuleRecord} record
   * @param {Instance} instance
   * @returns {Promise<void> | null}
   */
  runEsm(record, instance) {
    const fn = record.compile();
    const exports = instance.exports;
    /** @type {Promise<unknown>[]} dependencies evaluating asynchronously */
    const pending = [];
    /** @type {Promise<unknown> | null} what the module stopped for */
    let awaited = null;
    const importStatic = (/** @type {string} */ specifier, /** @type {{ importedNames?: string[] } | undefined} */ meta) => {
      const form = meta?.importedNames ? "bindings" : "namespace";
      const ready = this.importReady(instance, record, specifier, form, pending);
      if (ready === null) awaited = this.importFrom(instance, record, specifier, form);
      else if (ready instanceof Promise) awaited = ready;
      else return ready;
      return undefined;
    };
    const depsReady = () => pending.length === 0;
    const wait = () => {
      const next = awaited ?? Promise.all(pending.splice(0));
      awaited = null;
      return next;
    };
    if (record.usesWebpackModule()) instance.webpackModule = webpackModule(record, instance.hot);
    const started = fn(
      exports,
      record.usesImportMeta() ? this.importMeta(record, instance.hot) : undefined,
      importStatic,
      (/** @type {unknown} */ specifier, /** @type {unknown} */ options) => this.dynamicImport(record, specifier, options),
      (/** @type {any} */ from) => this.exportStar(record, from, exports),
      depsReady,
      wait,
      instance.webpackModule,
      instance.makeSlots,
    );
    if (record.async) return started;
    const steps = /** @type {Generator<undefined, void, unknown>} */ (started);
    let step = steps.next();
    if (step.done) return null;
    return (async () => {
      while (!step.done) {
        /** @type {unknown} */
        let value;
        try {
          value = await wait();
        } catch (err) {
          step = steps.throw(err);
          continue;
        }
        step = steps.next(value);
      }
    })();
  }

  /**
   * A package's or builtin's namespace, loaded by node once (kept: a later static import of it
   * takes it synchronously).
   * @param {string} url
   * @returns {Promise<object>}
   */
  async loadExternal(url) {
    const loaded = this.externals.get(url);
    if (loaded) return loaded;
    if (!url.startsWith("node:")) appLoaders.beforePackages();
    const namespace = await import(url);
    this.externals.set(url, namespace);
    // A file of the app node loaded (its extension is not one hotnode loads: a hook of the
    // app's did) is watched, and restarts the app when it changes.
    if (url.startsWith("file:")) this.noteFileLoadedByNode(fileURLToPath(url), appLoaders.hooks ? "node's loader (a module hook the app registered)" : "node's loader");
    return namespace;
  }

  /**
   * `loadExternal` of a target the app's hooks may serve: what hotnode said stands if node's
   * loader finds nothing either.
   * @param {{ external: string, unlessFails?: Target }} target
   */
  loadTarget(target) {
    const unlessFails = target.unlessFails;
    if (!unlessFails) return this.loadExternal(target.external);
    return this.loadExternal(target.external).catch(() => {
      throw loadError(/** @type {any} */ (unlessFails));
    });
  }

  /**
   * A static import's answer if it has one now: the dependency's bindings or namespace
   * (evaluating it first if it is new; one still evaluating asynchronously goes to `pending`),
   * a package's namespace once node has loaded it; else the promise of the package's namespace,
   * or null when only hotnode can answer (a specifier it did not send).
   * @param {Instance} instance
   * @param {ModuleRecord} record
   * @param {string} specifier
   * @param {"namespace" | "bindings"} form
   * @param {Promise<unknown>[]} pending
   * @returns {object | Promise<object> | null}
   */
  importReady(instance, record, specifier, form, pending) {
    const sent = record.deps[specifier];
    if (!sent) return null;
    const target = this.throughAppHooks(record, specifier, sent);
    if ("error" in target) throw loadError(target);
    if ("external" in target) {
      const loaded = this.externals.get(target.external);
      if (loaded) return loaded;
      if (this.synchronous && !("unlessFails" in target)) {
        const namespace = requireExternal(record, target.external);
        this.externals.set(target.external, namespace);
        return namespace;
      }
      return this.loadTarget(target);
    }
    const dep = this.records.get(target.id);
    if (!dep) return null;
    instance.imports.add(dep);
    if (instance.ancestors.has(dep)) joinCycle(instance.ancestors, dep);
    const evaluation = this.evaluateNow(dep, instance.ancestors);
    if (evaluation) {
      // Its failure reaches the importer through `wait`; if the importer fails first on
      // another import, the importer's failure is the one reported, and this one must not end
      // the process as an unhandled rejection.
      evaluation.catch(() => {});
      pending.push(evaluation);
    }
    return form === "bindings" ? dep.bindings : this.namespaceOf(dep);
  }

  /**
   * `export * from`: the names the module takes from that source (not those it exports
   * itself, nor a name two sources give different bindings to: see `exportedNames`), read live.
   * @param {ModuleRecord} record
   * @param {object} from the source's namespace
   * @param {object} exports
   */
  exportStar(record, from, exports) {
    const source = moduleOfNamespace(from);
    if (!source) return exportAll(from, exports);
    const names = new Set(this.namesOf(record));
    for (const name of this.namesOf(source)) {
      if (name === "default" || !names.has(name) || Object.prototype.hasOwnProperty.call(exports, name)) continue;
      const binding = bindingOf(record, name, this.records);
      if (binding === null) continue;
      /** @type {() => unknown} */
      const get =
        binding === ANY
          ? () => /** @type {any} */ (source.bindings)[name]
          : "namespaceOf" in binding
            ? () => this.namespaceOf(binding.namespaceOf)
            : () => /** @type {any} */ (binding.module.bindings)[binding.name];
      Object.defineProperty(exports, name, { enumerable: true, configurable: true, get });
    }
  }

  /**
   * `import()` in a module: an edge of the instance evaluating now, or (later, from a request
   * handler) of the record's live instance. As `import()` does, the specifier is converted to
   * a string (a Symbol rejects with a TypeError) and the options are checked (`with` must be
   * an object of strings); every failure is a rejection.
   * @param {ModuleRecord} record
   * @param {unknown} specifier
   * @param {unknown} [options]
   */
  async dynamicImport(record, specifier, options) {
    const instance = this.running.get(record) ?? null;
    const name = `${specifier}`;
    const boundary = isBoundaryImport(options);
    // hot-hook's marker is the HMR tool's to read; node would refuse the attribute.
    if (boundary) options = withoutHotAttribute(/** @type {{ with: Record<string, unknown> }} */ (options));
    checkImportOptions(options);
    return this.importFrom(instance, record, name, "namespace", (dep) => {
      checkDynamicAttributes(options, dep);
      if (boundary || isConfiguredBoundary(dep.id)) (record.boundaryImports ??= new Set()).add(dep.id);
    });
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
    for (const record of this.errored) if (record.state === "errored") record.reset();
    this.errored.clear();
  }

  /**
   * A module's `import.meta`, as node makes it: no prototype; `url`, `filename`, `dirname`,
   * `resolve`, and `main` where this node has it (it has it in this runtime's own modules too);
   * the HMR faces beside them, not enumerable, so the keys are node's.
   * @param {ModuleRecord} record @param {HotContext} hot
   */
  importMeta(record, hot) {
    const registry = this;
    const meta = Object.create(null);
    meta.dirname = path.dirname(record.id);
    meta.filename = record.id;
    if (HAS_IMPORT_META_MAIN) meta.main = record.id === this.entryId;
    /** @param {string} specifier */
    meta.resolve = (specifier) => resolveLikeNode(record, `${specifier}`);
    meta.url = record.url;
    Object.defineProperties(meta, {
      hot: { value: hot.api, configurable: true, writable: true },
      dynoHot: { value: hot.api, configurable: true, writable: true },
      webpackHot: { get: () => hot.webpackApi, configurable: true },
    });
    return meta;
  }

}

/**
 * @typedef {{ readonly id: string, readonly hot: object }} WebpackModule
 */

/**
 * `import(x, import.meta.hot?.boundary)` or `import(x, { with: { hot: "true" } })`: hot-hook's
 * boundary (see hot-context's `IMPORT_BOUNDARY`).
 * @param {unknown} options
 */
function isBoundaryImport(options) {
  const attributes = /** @type {any} */ (options)?.with;
  return attributes !== null && typeof attributes === "object" && attributes.hot === "true";
}

/** @param {{ with: Record<string, unknown> }} options */
function withoutHotAttribute(options) {
  const { hot: _, ...rest } = options.with;
  return { ...options, with: rest };
}

/**
 * The `module` webpack gives an ES module, for one whose code uses it (see the transform's
 * `webpack_module.rs`): its id as webpack names it, and `module.hot`, the same
 * object as its `import.meta.webpackHot`.
 * @param {ModuleRecord} record @param {HotContext} hot
 * @returns {WebpackModule}
 */
function webpackModule(record, hot) {
  return /** @type {WebpackModule} */ (Object.defineProperties(
    {},
    {
      id: { value: webpackId(record.id), enumerable: true },
      hot: { get: () => hot.webpackApi, enumerable: true },
    },
  ));
}

/**
 * A package or builtin an ES module imports, loaded synchronously (inside a `require()` of that
 * module, where node loads its graph synchronously): through node's `require`, so with the
 * "require" condition where node would use "import" (a package with both builds can differ);
 * a CommonJS value gets the namespace shape an import gives it.
 * @param {ModuleRecord} record
 * @param {string} url
 */
function requireExternal(record, url) {
  if (!url.startsWith("node:")) appLoaders.beforePackages();
  const value = nodeCreateRequire(record.id)(url.startsWith("file:") ? fileURLToPath(url) : url);
  if (isModuleNamespaceObject(value)) return value;
  const namespace = Object.create(null);
  if (value !== null && (typeof value === "object" || typeof value === "function")) {
    for (const key of Object.keys(value)) if (key !== "default") namespace[key] = value[key];
  }
  namespace.default = value;
  Object.defineProperty(namespace, Symbol.toStringTag, { value: "Module" });
  return Object.freeze(namespace);
}

/**
 * An import of `root`, which is on the way to this module: every module after it on the way
 * is in its cycle (unless already in one that starts earlier).
 * @param {Set<ModuleRecord>} way the modules whose evaluation waits on this one, outermost first
 * @param {ModuleRecord} root
 */
function joinCycle(way, root) {
  let inCycle = false;
  for (const record of way) {
    if (record === root) inCycle = true;
    else if (inCycle && !(record.cycleRoot && way.has(record.cycleRoot) && isBefore(way, record.cycleRoot, root))) record.cycleRoot = root;
  }
}

/** @param {Set<ModuleRecord>} way @param {ModuleRecord} a @param {ModuleRecord} b */
function isBefore(way, a, b) {
  for (const record of way) {
    if (record === a) return true;
    if (record === b) return false;
  }
  return false;
}

/** Whether this node gives `import.meta.main` (22.18+, 24.2+): the runtime's own modules have it. */
const HAS_IMPORT_META_MAIN = "main" in import.meta;

/**
 * `import.meta.resolve(specifier)` as node answers it: what hotnode resolved in advance (every
 * string specifier of the module, `import.meta.resolve("...")` calls included, with import
 * conditions), a specifier it found nothing for as node's error, anything else as node would
 * (`resolve-url.mjs`).
 * @param {ModuleRecord} record
 * @param {string} specifier
 */
function resolveLikeNode(record, specifier) {
  const known = record.deps[specifier];
  if (known && "id" in known) return pathToFileURL(known.id).href;
  if (known && "external" in known) return known.external;
  if (known && "error" in known && !isBuiltin(specifier) && !isPath(specifier) && !specifier.startsWith("file:")) throw loadError(known);
  return resolveAsNode(specifier, record.url);
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
 * The second argument of `import()`, checked as the language does: undefined, or an object
 * whose `with` is undefined or an object whose own enumerable values are all strings.
 * @param {unknown} options
 */
function checkImportOptions(options) {
  if (options === undefined) return;
  if (typeof options !== "object" && typeof options !== "function") throw new TypeError("The second argument of import() must be an object");
  if (options === null) throw new TypeError("The second argument of import() must be an object");
  const attributes = /** @type {any} */ (options).with;
  if (attributes === undefined) return;
  if (attributes === null || (typeof attributes !== "object" && typeof attributes !== "function")) {
    throw new TypeError("The 'with' option of import() must be an object");
  }
  for (const [key, value] of Object.entries(attributes)) {
    if (typeof value !== "string") throw new TypeError(`The import attribute '${key}' must be a string`);
  }
}
