// @ts-check
/**
 * One update in progress, from dispose to the accept callbacks: which modules it still has to
 * re-evaluate, which it has, which failed, and the callbacks it ran. ES modules are re-evaluated
 * eagerly, dependencies first (Vite); CommonJS modules are only marked outdated and evaluated by
 * the next `require` (webpack), so an accept callback that requires its dependency gets the new
 * version. The engine plans and prunes around it.
 */
import { describeError } from "./errors.mjs";
import { isCommonJs } from "./module-record.mjs";
import { webpackId } from "./webpack-ids.mjs";

/**
 * @typedef {import("./module-record.mjs").ModuleRecord} ModuleRecord
 * @typedef {import("./registry.mjs").Registry} Registry
 * @typedef {import("./registry.mjs").UpdateInProgress} UpdateInProgress
 * @typedef {import("./events.mjs").EventBus} EventBus
 * @typedef {import("./planner.mjs").Boundary} Boundary
 * @typedef {import("./planner.mjs").ReloadPlan} ReloadPlan
 * @typedef {import("./hot-context.mjs").HotContext} HotContext
 * @typedef {import("./hot-context.mjs").DepAccept} DepAccept
 * @typedef {{ ignoreUnaccepted?: boolean, ignoreDeclined?: boolean, ignoreErrored?: boolean,
 *   onUnaccepted?: Function, onDeclined?: Function, onAccepted?: Function, onDisposed?: Function,
 *   onErrored?: Function }} ApplyOptions  webpack's `apply(options)`
 */

/** @implements {UpdateInProgress} */
export class Update {
  /**
   * @param {{ registry: Registry, events: EventBus, entry: ModuleRecord | null, options: ApplyOptions,
   *   onPhase: (phase: "dispose" | "apply") => Promise<void> }} context  `onPhase`: webpack's status
   *   follows the update's phases
   */
  constructor({ registry, events, entry, options, onPhase }) {
    this.registry = registry;
    this.events = events;
    this.entry = entry;
    this.options = options;
    this.onPhase = onPhase;
    /** @type {"evaluate" | "accept" | "prune"} */
    this.phase = "evaluate";
    /** @type {Set<ModuleRecord>} */
    this.pending = new Set();
    /** @type {Set<ModuleRecord>} re-evaluated (also by a require during the update) */
    this.done = new Set();
    /** @type {Set<ModuleRecord>} CommonJS modules waiting for their next require */
    this.outdated = new Set();
    /** @type {Set<string>} every module this update replaced: what apply() resolves with */
    this.outdatedIds = new Set();
    /** @type {Map<ModuleRecord, unknown>} */
    this.failed = new Map();
    /** @type {Map<ModuleRecord, Promise<void>>} re-evaluations under way (asynchronous ones) */
    this.running = new Map();
    /** @type {unknown} the first error reported: the update ends in `fail` */
    this.error = null;
    /** @type {Set<ModuleRecord>} */
    this.invalidated = new Set();
    /** @type {Set<ModuleRecord>} */
    this.lostImporters = new Set();
    /** @type {string[]} */
    this.acceptedBy = [];
    /** @type {Map<ModuleRecord, HotContext>} instances being replaced */
    this.previous = new Map();
    /** @type {Boundary[]} the boundaries of the round under way */
    this.boundaries = [];
    /** @type {Array<[ModuleRecord, unknown]>} ES modules whose webpack self-accept failed:
     * reported after the dependency callbacks, where webpack loads self-accepted modules */
    this.selfFailures = [];
    /** @type {string[]} `import()` boundaries replaced at their next import (`replaceAtNextImport`) */
    this.lazilyReplaced = [];
    /** @type {ModuleRecord[]} modules whose running functions took new bodies (`refresh.mjs`) */
    this.refreshedModules = [];
    /** how many functions took a new body */
    this.refreshed = 0;
    /** @type {Map<ModuleRecord, unknown>} ES modules that failed to re-evaluate, accepted by a
     * webpack `accept(dep)`: the error is that callback's (webpack evaluates the dependency in it) */
    this.depFailures = new Map();
  }

  /** @param {ModuleRecord} record */
  willReevaluate(record) {
    return this.pending.has(record);
  }

  /** @param {ModuleRecord} record */
  reevaluated(record) {
    this.done.add(record);
  }

  /** @param {ModuleRecord} record a module that lost an importer: a prune candidate */
  lostImporter(record) {
    this.lostImporters.add(record);
  }

  /**
   * Reports a failure: printed by hotnode, emitted as `vite:error`, and the update ends in
   * `fail`.
   * @param {ModuleRecord} record
   * @param {unknown} err
   */
  fail(record, err) {
    if (!this.failed.has(record)) this.failed.set(record, err);
    this.error ??= err;
    const described = describeError(err);
    void this.events.emit("vite:error", { type: "error", err: { ...described, id: record.id } });
    // dynohot's diagnostics channel: informative messages, the error as a parameter.
    void this.events.emit("message", `[hot] update of ${record.id} failed: ${described.message}`, err);
  }

  /**
   * A webpack-face error: `onErrored` sees it; unless `ignoreErrored`, the update fails.
   * @param {ModuleRecord} record
   * @param {object} info webpack's error object (`type`, `moduleId`, `error`, ...)
   * @param {unknown[]} errors what fails the update
   */
  webpackError(record, info, errors) {
    this.options.onErrored?.(info);
    if (!this.options.ignoreErrored) for (const err of errors) this.fail(record, err);
  }

  /**
   * @param {ModuleRecord[]} records modules to replace
   * @param {Boundary[]} boundaries
   * @param {Set<ModuleRecord>} ignoreSelfAccept modules invalidated in this round
   */
  async run(records, boundaries, ignoreSelfAccept) {
    this.phase = "evaluate";
    const ordered = dependenciesFirst(records);
    for (const record of ordered) {
      this.outdatedIds.add(record.id);
      if (!isCommonJs(record)) this.pending.add(record);
    }
    await this.onPhase("dispose");
    // Dispose importers first, each instance once.
    for (const record of [...ordered].reverse()) {
      if (!record.hot) continue;
      this.previous.set(record, record.hot);
      await runDispose(record.hot, record, (err) => this.fail(record, err));
    }
    await this.onPhase("apply");
    this.boundaries = boundaries;
    for (const record of ordered) if (isCommonJs(record)) this.markOutdated(record);
    const lazy = new Set(boundaries.filter((b) => b.lazy).map((b) => b.boundary));
    for (const record of ordered) {
      if (lazy.has(record.id) && !isCommonJs(record)) this.replaceAtNextImport(record);
      else await this.reevaluate(record);
    }
    this.phase = "accept";
    await this.accept(boundaries.filter((b) => !b.lazy));
    for (const [record, err] of this.selfFailures.splice(0)) this.selfAcceptFailed(record, err);
    this.requireSelfAccepted(ordered, ignoreSelfAccept);
  }

  /**
   * hot-hook's `import()` boundary: the module is not re-evaluated now; its next `import()`
   * evaluates the new code into a new module (what was imported before keeps the old
   * namespace), as hot-hook's loader hands out a new version.
   * @param {ModuleRecord} record
   */
  replaceAtNextImport(record) {
    this.pending.delete(record);
    if (record.hot) this.events.removeOwner(record.hot);
    record.hot = null;
    this.registry.detachNamespaces(record);
    record.reset();
    this.lazilyReplaced.push(record.id);
  }

  /**
   * A CommonJS module leaves the graph until something requires it again (webpack removes it
   * from its cache); its importers keep the exports they hold.
   * @param {ModuleRecord} record
   */
  markOutdated(record) {
    this.outdated.add(record);
    if (record.hot) this.events.removeOwner(record.hot);
    // A dependency the new code no longer names leaves the app (webpack disposes modules that
    // leave the compilation); the others wait for the new version's require.
    const named = record.namedDeps();
    for (const dep of record.imports) {
      dep.importers.delete(record);
      if (!named.has(dep.id)) this.lostImporter(dep);
    }
    record.imports = new Set();
    record.hot = null;
    record.reset();
  }

  /**
   * Re-evaluates one ES module into a fresh exports object; the module's namespace takes the
   * new bindings only if evaluation succeeds. A module whose dependency failed is not evaluated.
   * Returns null when it is done (synchronously), else the promise of its end.
   * @param {ModuleRecord} record
   * @returns {Promise<void> | null}
   */
  reevaluate(record) {
    if (!this.pending.has(record)) return null;
    this.pending.delete(record);
    const failedDep = [...record.imports].find((dep) => this.failed.has(dep));
    if (failedDep) {
      this.failed.set(record, new Error(`not re-evaluated: its dependency ${failedDep.id} failed`));
      return null;
    }
    // The registry counts the re-evaluation in `done` when it ends, succeeded or not.
    /** @param {unknown} err */
    const failed = (err) => {
      record.stale = true;
      this.selfAcceptFailed(record, err);
    };
    /** @type {Promise<void> | null} */
    let running;
    try {
      running = this.registry.evaluate(record, Object.create(null), new Set());
    } catch (err) {
      failed(err);
      return null;
    }
    if (!running) return null;
    const settled = running.then(
      () => {
        this.running.delete(record);
      },
      (err) => {
        this.running.delete(record);
        failed(err);
      },
    );
    this.running.set(record, settled);
    return settled;
  }

  /**
   * The re-evaluation of `record` under way (asynchronous: it awaits at its top level, or
   * waits for a package), which its importers wait for.
   * @param {ModuleRecord} record
   */
  reevaluating(record) {
    return this.running.get(record);
  }

  /**
   * webpack: self-accepted CommonJS modules (and the entry) that no accept callback required
   * are required again now, after the dependency callbacks.
   * @param {ModuleRecord[]} ordered
   * @param {Set<ModuleRecord>} ignoreSelfAccept
   */
  requireSelfAccepted(ordered, ignoreSelfAccept) {
    for (const record of ordered) {
      if (!this.outdated.has(record) || record.state !== "new" || ignoreSelfAccept.has(record)) continue;
      const previous = this.previous.get(record);
      if (!previous?.acceptsSelf && record !== this.entry) continue;
      try {
        this.registry.commonjs.load(record);
        this.acceptedBy.push(record.id);
      } catch (err) {
        this.selfAcceptFailed(record, err);
      }
    }
  }

  /**
   * A module that self-accepts threw while evaluating its new version: its webpack error
   * handler gets the error (`accept(errorHandler)`), or it is reported as webpack does; a module
   * without webpack registrations fails as SEMANTICS.md says.
   * @param {ModuleRecord} record
   * @param {unknown} err
   */
  selfAcceptFailed(record, err) {
    const handler = this.previous.get(record)?.webpackSelfAccept;
    const webpackSelf = handler === true || typeof handler === "function";
    if (webpackSelf && this.phase === "evaluate") {
      this.selfFailures.push([record, err]);
      return;
    }
    if (!webpackSelf && this.acceptedByWebpack(record)) {
      this.depFailures.set(record, err);
      return;
    }
    // webpack puts a module's new module object in its cache whether or not its code threw, and
    // hands it to the error handler: what is registered on it (there, or by the new code before
    // it threw) counts from now on. An ES module keeps its old bindings all the same.
    const failed = record.failedInstance;
    record.failedInstance = null;
    const adopted = webpackSelf && failed?.webpackModule ? failed : null;
    if (adopted) {
      if (record.hot && record.hot !== adopted.hot) this.events.removeOwner(record.hot);
      record.hot = adopted.hot;
      record.webpackModule = adopted.webpackModule;
    }
    if (typeof handler === "function") {
      try {
        handler(err, { moduleId: webpackId(record.id), module: record.webpackModule ?? record.module });
      } catch (handlerErr) {
        const info = { type: "self-accept-error-handler-errored", moduleId: webpackId(record.id), error: handlerErr, originalError: err };
        this.webpackError(record, info, [handlerErr, err]);
      }
    } else if (handler === true) {
      this.webpackError(record, { type: "self-accept-errored", moduleId: webpackId(record.id), error: err }, [err]);
    } else {
      this.fail(record, err);
    }
  }

  /**
   * Whether an importer accepts `record` with webpack's `accept(dep)` in this round.
   * @param {ModuleRecord} record
   */
  acceptedByWebpack(record) {
    return this.boundaries.some(
      (b) =>
        b.accepted === record.id &&
        b.boundary !== b.accepted &&
        this.registry.records.get(b.boundary)?.hot?.depAccepts.some((r) => r.face === "webpack" && r.ids.includes(record.id)),
    );
  }

  /**
   * Runs accept callbacks in the order the accepted modules were first evaluated.
   * @param {Boundary[]} boundaries
   */
  async accept(boundaries) {
    const records = this.registry.records;
    /** @type {Array<{ order: number, run: () => Promise<void> | void, owner: ModuleRecord }>} */
    const calls = [];
    /** @type {Map<DepAccept, Set<string>>} registration -> accepted ids */
    const depCalls = new Map();
    /** @type {Map<object, ModuleRecord>} */
    const depOwners = new Map();
    /** @type {Map<ModuleRecord, string[]>} webpack: each importer's outdated dependencies */
    const outdatedDeps = new Map();
    for (const { boundary, accepted } of boundaries) {
      const acceptedRecord = /** @type {ModuleRecord} */ (records.get(accepted));
      const boundaryRecord = /** @type {ModuleRecord} */ (records.get(boundary));
      if (boundary === accepted) {
        // A CommonJS module accepting itself is required again after the dependency callbacks.
        if (this.outdated.has(boundaryRecord) || this.failed.has(acceptedRecord)) continue;
        const previous = this.previous.get(boundaryRecord) ?? boundaryRecord.hot;
        if (!previous) continue;
        const ns = this.registry.namespaceOf(boundaryRecord);
        const callbacks = previous.selfAccepts.length ? previous.selfAccepts : [previous.exportsAccept?.cb];
        calls.push({
          order: acceptedRecord.order,
          owner: boundaryRecord,
          run: async () => {
            for (const cb of callbacks) if (cb) await cb(ns);
            this.acceptedBy.push(boundaryRecord.id);
          },
        });
        continue;
      }
      const hot = boundaryRecord.hot;
      if (!hot) continue;
      const list = outdatedDeps.get(boundaryRecord) ?? [];
      outdatedDeps.set(boundaryRecord, list);
      if (!list.includes(accepted)) list.push(accepted);
      for (const registration of hot.depAccepts) {
        if (!registration.ids.includes(accepted)) continue;
        let ids = depCalls.get(registration);
        if (!ids) {
          depCalls.set(registration, (ids = new Set()));
          depOwners.set(registration, boundaryRecord);
        }
        ids.add(accepted);
      }
    }
    for (const [reg, ids] of depCalls) {
      const owner = /** @type {ModuleRecord} */ (depOwners.get(reg));
      const order = Math.min(...[...ids].map((id) => records.get(id)?.order ?? Infinity));
      const run =
        reg.face === "webpack"
          ? () => this.runWebpackCallback(owner, reg, ids, outdatedDeps.get(owner) ?? [])
          : () => this.runViteCallback(owner, reg, ids);
      calls.push({ order, owner, run });
    }
    calls.sort((a, b) => a.order - b.order);
    for (const call of calls) {
      try {
        await call.run();
      } catch (err) {
        this.fail(call.owner, err);
      }
    }
  }

  /**
   * `import.meta.hot.accept(deps, cb)`: `cb` gets the new namespaces (aligned with `deps`); a
   * CommonJS dependency is required first. Not called when a dependency failed.
   * @param {ModuleRecord} owner
   * @param {DepAccept} reg
   * @param {Set<string>} ids
   */
  async runViteCallback(owner, reg, ids) {
    const records = this.registry.records;
    for (const id of ids) {
      const record = /** @type {ModuleRecord} */ (records.get(id));
      if (record.state === "new" && isCommonJs(record)) {
        try {
          this.registry.commonjs.load(record);
        } catch (err) {
          this.fail(record, err);
        }
      }
      if (this.failed.has(record)) return;
    }
    const namespaces = reg.ids.map((id) => {
      const record = ids.has(id) ? records.get(id) : undefined;
      return record ? this.registry.namespaceOf(record) : undefined;
    });
    if (reg.cb) await reg.cb(reg.single ? namespaces[0] : namespaces);
    this.acceptedBy.push(owner.id);
  }

  /**
   * `module.hot.accept(deps, cb, errorHandler)`: `cb` gets the importer's outdated dependency
   * ids and requires them itself; its error goes to `errorHandler`, or fails the update.
   * @param {ModuleRecord} owner
   * @param {DepAccept} reg
   * @param {Set<string>} ids
   * @param {string[]} outdatedDependencies
   */
  async runWebpackCallback(owner, reg, ids, outdatedDependencies) {
    const dependencyId = webpackId([...ids][0]);
    const moduleId = webpackId(owner.id);
    try {
      // An importer written with `import` reads its imports as bindings: webpack imports the
      // accepted dependencies again before the callback (a CommonJS one is evaluated then), so
      // the callback and the rest of the module see the new values.
      for (const id of ids) {
        const record = this.registry.records.get(id);
        if (!record) continue;
        if (this.depFailures.has(record)) throw this.depFailures.get(record);
        if (!isCommonJs(owner) && record.state === "new" && isCommonJs(record)) this.registry.commonjs.load(record);
      }
      await reg.cb?.(outdatedDependencies.map(webpackId));
      this.acceptedBy.push(owner.id);
    } catch (err) {
      if (typeof reg.errorHandler !== "function") {
        this.webpackError(owner, { type: "accept-errored", moduleId, dependencyId, error: err }, [err]);
        return;
      }
      try {
        await reg.errorHandler(err, { moduleId, dependencyId });
      } catch (handlerErr) {
        const info = { type: "accept-error-handler-errored", moduleId, dependencyId, error: handlerErr, originalError: err };
        this.webpackError(owner, info, [handlerErr, err]);
      }
    }
  }
}

/**
 * Topological order (dependencies first) of `records` along import edges, following each
 * module's imports in import order; cycles are cut where they close.
 * @param {ModuleRecord[]} records
 */
function dependenciesFirst(records) {
  const wanted = new Set(records);
  /** @type {ModuleRecord[]} */
  const out = [];
  const seen = new Set();
  /** @param {ModuleRecord} record */
  const visit = (record) => {
    if (seen.has(record)) return;
    seen.add(record);
    for (const dep of record.imports) if (wanted.has(dep)) visit(dep);
    out.push(record);
  };
  for (const record of [...records].sort((a, b) => a.order - b.order)) visit(record);
  return out;
}

/**
 * Runs an instance's dispose handlers once, importers' before their dependencies'. Vite-face
 * handlers get the module's `data` (one object for its whole life); webpack-face handlers a
 * fresh object that becomes `module.hot.data` of the next version.
 * @param {HotContext} hot
 * @param {ModuleRecord} record
 * @param {(err: unknown) => void} onError
 */
export async function runDispose(hot, record, onError) {
  if (hot.disposed) return;
  hot.disposed = true;
  const webpackData = {};
  record.webpackData = webpackData;
  for (const { fn, face } of hot.disposeHandlers) {
    try {
      await fn(face === "webpack" ? webpackData : record.data);
    } catch (err) {
      onError(err);
    }
  }
}
