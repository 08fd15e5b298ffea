// @ts-check
/**
 * The apply engine: takes new code from hotnode, plans with the live registrations, and applies
 * an update as SEMANTICS.md says (events, dispose, re-evaluation dependencies first, accept
 * callbacks, prune), one update at a time. Anything it cannot apply hot it hands back to
 * hotnode as a restart request, after releasing the app's resources.
 */
import { performance } from "node:perf_hooks";
import { EventBus } from "./events.mjs";
import { planUpdate } from "./planner.mjs";
import { RUNTIME_DIR, Registry, UNRESOLVED, createNamespace, isLazy } from "./registry.mjs";
import { StatusController } from "./status.mjs";

/**
 * @typedef {import("./registry.mjs").ModuleRecord} ModuleRecord
 * @typedef {import("./registry.mjs").ModulePayload} ModulePayload
 * @typedef {import("./planner.mjs").Boundary} Boundary
 * @typedef {import("./planner.mjs").ReloadPlan} ReloadPlan
 * @typedef {import("./hot-context.mjs").HotContext} HotContext
 * @typedef {{ ignoreUnaccepted?: boolean, ignoreDeclined?: boolean, ignoreErrored?: boolean,
 *   onUnaccepted?: Function, onDeclined?: Function, onAccepted?: Function, onDisposed?: Function,
 *   onErrored?: Function }} ApplyOptions  webpack's `apply(options)`
 * @typedef {{ type: "aborted", error: Error, plan: ReloadPlan | null, triggeredBy: string }
 *   | { type: "applied", outdated: string[], error: unknown }} Outcome
 * @typedef {{ send(message: object): void, request(message: object): Promise<any> }} ChannelLike
 */

/** How long dispose handlers may take before a restart goes ahead without them. */
const RESTART_DISPOSE_TIMEOUT_MS = 3000;
/** Rounds of invalidate() inside accept callbacks followed within one update. */
const MAX_INVALIDATION_ROUNDS = 16;

export class Engine {
  /**
   * @param {ChannelLike} channel
   * @param {{ restart?: boolean, manual?: boolean, exit?: (code: number) => void }} [options]
   */
  constructor(channel, options = {}) {
    this.channel = channel;
    this.restartEnabled = options.restart ?? true;
    this.exit = options.exit ?? ((code) => process.exit(code));
    this.events = new EventBus();
    this.registry = new Registry(this);
    /** @type {Update | null} */
    this.currentUpdate = null;
    /** @type {Promise<void>} updates run one after another */
    this.queue = Promise.resolve();
    /** @type {ModuleRecord | null} */
    this.entry = null;
    this.reloading = false;
    this.status = new StatusController(this, { manual: options.manual });
  }

  /** @param {object} message */
  send(message) {
    this.channel.send(message);
  }

  /**
   * Loads and evaluates the entry module.
   * @param {string} entryPath
   */
  async boot(entryPath) {
    const target = await this.registry.fetch(entryPath, null);
    if ("error" in target) throw new Error(target.error);
    if (!("id" in target)) return import(target.external);
    const record = /** @type {ModuleRecord} */ (this.registry.records.get(target.id));
    this.entry = record;
    return this.registry.instantiate(record, new Set());
  }

  /**
   * New code from hotnode, applied as webpack's `check(true)` would (or staged, in manual mode).
   * @param {ModulePayload[]} payloads
   * @param {number} [seq] hotnode's number for this update, answered with `settled`
   */
  receiveUpdate(payloads, seq) {
    this.status.receive(payloads, seq);
    return this.queue;
  }

  /**
   * Runs `job` after the updates before it. Its failure is reported, never thrown at the queue.
   * @param {() => Promise<void>} job
   */
  enqueue(job) {
    const run = this.queue.then(job).catch((err) => {
      console.error("[hot] internal error while applying an update:", err);
    });
    this.queue = run;
    return run;
  }

  /**
   * `import.meta.hot.invalidate()`: inside an accept callback the module gives up accepting
   * this update; outside an update it counts as changed in a new one.
   * @param {ModuleRecord} record
   * @param {string} [message]
   */
  invalidate(record, message) {
    this.announceInvalidation(record, message);
    const update = this.currentUpdate;
    if (update && update.phase === "accept") {
      update.invalidated.add(record);
      return;
    }
    this.status.invalidated.add(record);
    void this.enqueue(() => this.status.autoUpdate());
  }

  /**
   * @param {ModuleRecord} record
   * @param {string | undefined} message
   */
  announceInvalidation(record, message) {
    this.send({ type: "invalidate", path: record.id, message: message ?? null });
    void this.events.emit("vite:invalidate", { path: record.id, message });
  }

  /** @param {ModuleRecord} record a module that lost an importer */
  lostImporter(record) {
    if (this.currentUpdate) this.currentUpdate.lostImporters.add(record);
  }

  /** The planner's view of the live graph. */
  graph() {
    const records = this.registry.records;
    /** @param {string} id */
    const live = (id) => records.get(id)?.hot ?? null;
    return {
      /** @param {string} id */
      importers: (id) =>
        [...(records.get(id)?.importers ?? [])].filter((r) => r.state === "evaluated" || r.state === "evaluating").map((r) => r.id),
      /** @param {string} id */
      selfAccepts: (id) => {
        const hot = live(id);
        if (!hot) return false;
        if (hot.acceptsSelf) return true;
        if (!hot.exportsAccept) return false;
        const accepted = new Set(hot.exportsAccept.names);
        const record = /** @type {ModuleRecord} */ (records.get(id));
        for (const importer of record.importers) {
          for (const [specifier, target] of Object.entries(importer.deps)) {
            if (!("id" in target) || target.id !== id) continue;
            const names = importer.names[specifier] ?? ["*"];
            if (names.some((n) => !accepted.has(n))) return false;
          }
        }
        return true;
      },
      /** @param {string} importer @param {string} dep */
      acceptsDep: (importer, dep) => live(importer)?.acceptsDep(dep) ?? false,
      /** @param {string} id */
      declined: (id) => live(id)?.declined ?? false,
      /** @param {string} importer @param {string} dep */
      declinesDep: (importer, dep) => live(importer)?.declinedDeps.has(dep) ?? false,
      /** @param {string} id */
      isEntry: (id) => id === this.entry?.id,
    };
  }

  /**
   * Plans and applies one update. Nothing is touched when it cannot apply (`aborted`).
   * @param {ModuleRecord[]} changed
   * @param {Set<ModuleRecord>} ignoreSelfAccept invalidated modules
   * @param {ApplyOptions} [options]
   * @returns {Promise<Outcome>}
   */
  async applyUpdate(changed, ignoreSelfAccept, options = {}) {
    const triggeredBy = changed[0]?.id ?? "";
    if (this.reloading) return { type: "aborted", error: new Error("the process is restarting"), plan: null, triggeredBy };
    const started = performance.now();
    const update = new Update(this, options);
    this.currentUpdate = update;
    try {
      let round = changed;
      let ignore = ignoreSelfAccept;
      /** @type {object | null} */
      let payload = null;
      for (let i = 0; round.length && i < MAX_INVALIDATION_ROUNDS; i++) {
        const analysis = this.analyse(round, ignore, options);
        if ("abort" in analysis) return { type: "aborted", error: analysis.abort, plan: analysis.plan, triggeredBy };
        const plan = analysis.update;
        const records = plan.reevaluate.map((id) => /** @type {ModuleRecord} */ (this.registry.records.get(id)));
        if (!payload) {
          payload = updatePayload(plan.boundaries);
          await this.events.emit("vite:beforeUpdate", payload);
        }
        await update.run(
          records.filter((r) => !update.done.has(r) && !update.outdated.has(r)),
          plan.boundaries,
          ignore,
        );
        round = [...update.invalidated];
        ignore = update.invalidated;
        update.invalidated = new Set();
      }
      update.phase = "prune";
      await this.prune(update);
      if (payload) await this.events.emit("vite:afterUpdate", payload);
      if (changed.length) this.report(changed, update, performance.now() - started);
      return { type: "applied", outdated: [...update.outdatedIds], error: update.error };
    } finally {
      this.currentUpdate = null;
    }
  }

  /**
   * The effect of each changed module, as webpack reports them to `apply()`'s options; the
   * accepted ones merged into one plan. A declined or unaccepted change aborts the update unless
   * the options say to ignore it (then that change is left out).
   * @param {ModuleRecord[]} changed
   * @param {Set<ModuleRecord>} ignore
   * @param {ApplyOptions} options
   * @returns {{ update: import("./planner.mjs").HotPlan } | { abort: Error, plan: ReloadPlan }}
   */
  analyse(changed, ignore, options) {
    const graph = this.graph();
    const ignoreIds = new Set([...ignore].map((r) => r.id));
    /** @type {Set<string>} */
    const reevaluate = new Set();
    /** @type {Boundary[]} */
    const boundaries = [];
    for (const record of changed) {
      const plan = planUpdate([record.id], graph, ignoreIds);
      if (plan.type === "reload") {
        const { effect, error } = abortEffect(plan, record.id);
        const declined = plan.reason !== "unaccepted";
        if (declined) options.onDeclined?.(effect);
        else options.onUnaccepted?.(effect);
        if (!(declined ? options.ignoreDeclined : options.ignoreUnaccepted)) return { abort: error, plan };
        continue;
      }
      /** @type {Record<string, string[]>} */
      const outdatedDependencies = {};
      for (const b of plan.boundaries) if (b.boundary !== b.accepted) (outdatedDependencies[b.boundary] ??= []).push(b.accepted);
      options.onAccepted?.({ type: "accepted", moduleId: record.id, outdatedModules: plan.reevaluate, outdatedDependencies });
      for (const id of plan.reevaluate) reevaluate.add(id);
      for (const b of plan.boundaries) {
        if (!boundaries.some((o) => o.boundary === b.boundary && o.accepted === b.accepted)) boundaries.push(b);
      }
    }
    // As in one walk: an importer that accepts a dependency but is re-evaluated itself takes
    // the change by re-evaluating.
    return {
      update: {
        type: "update",
        reevaluate: [...reevaluate],
        boundaries: boundaries.filter((b) => b.boundary === b.accepted || !reevaluate.has(b.boundary)),
      },
    };
  }

  /**
   * @param {ModuleRecord[]} changed
   * @param {Update} update
   * @param {number} ms
   */
  report(changed, update, ms) {
    this.send({
      type: "updated",
      changed: changed.map((r) => r.id),
      reevaluated: [...update.done].map((r) => r.id),
      accepted: [...new Set(update.acceptedBy)],
      failed: [...update.failed].map(([record, err]) => ({ id: record.id, ...describeError(err) })),
      ms: Math.round(ms * 100) / 100,
    });
  }

  /**
   * Modules no longer imported by anyone get `vite:beforePrune`, their dispose and prune
   * handlers, and lose their `data`. A pruned module's own imports may become unreachable too.
   * @param {Update} update
   */
  async prune(update) {
    /** @type {ModuleRecord[]} */
    const pruned = [];
    const candidates = [...update.lostImporters];
    const prunedSet = new Set();
    for (let i = 0; i < candidates.length; i++) {
      const record = candidates[i];
      if (prunedSet.has(record) || record === this.entry || record.state !== "evaluated") continue;
      if ([...record.importers].some((imp) => !prunedSet.has(imp))) continue;
      prunedSet.add(record);
      pruned.push(record);
      candidates.push(...record.imports);
    }
    if (!pruned.length) return;
    await this.events.emit("vite:beforePrune", { type: "prune", paths: pruned.map((r) => r.id) });
    for (const record of pruned) {
      update.options.onDisposed?.({ type: "disposed", moduleId: record.id });
      const hot = record.hot;
      if (hot) {
        await runDispose(hot, record, (err) => update.fail(record, err));
        for (const handler of hot.pruneHandlers) {
          try {
            await handler(record.data);
          } catch (err) {
            update.fail(record, err);
          }
        }
        this.events.removeOwner(hot);
      }
      for (const dep of record.imports) dep.importers.delete(record);
      record.imports = new Set();
      record.importers.clear();
      record.hot = null;
      record.data = {};
      record.namespace = createNamespace();
      record.state = "new";
      record.evaluation = null;
      record.pruned = true;
    }
  }

  /**
   * The update cannot be applied hot: ask hotnode to restart the process with the code on disk,
   * after `vite:beforeFullReload` and every dispose handler (bounded in time).
   * @param {ReloadPlan} plan
   * @param {string} triggeredBy
   */
  async reload(plan, triggeredBy) {
    if (this.reloading) return;
    const message = { type: "restart", path: plan.path, reason: plan.reason, chain: plan.chain, triggeredBy };
    if (!this.restartEnabled) {
      this.send(message);
      return;
    }
    // Wait until hotnode knows this exit is a restart (its exit must not read as the app's own
    // clean exit), but never hang on it.
    await Promise.race([
      this.channel.request(message).catch(() => {}),
      new Promise((r) => setTimeout(r, 1000).unref()),
    ]);
    this.reloading = true;
    await this.events.emit("vite:beforeFullReload", { type: "full-reload", path: plan.path, triggeredBy });
    const records = [...this.registry.records.values()].filter((r) => r.hot).sort((a, b) => b.order - a.order);
    const disposeAll = (async () => {
      for (const record of records) {
        await runDispose(/** @type {HotContext} */ (record.hot), record, (err) => console.error(`[hot] dispose of ${record.id} threw:`, err));
      }
    })();
    await Promise.race([disposeAll, new Promise((r) => setTimeout(r, RESTART_DISPOSE_TIMEOUT_MS).unref())]);
    this.exit(0);
  }
}

/**
 * One update in progress: which modules it still has to re-evaluate, which it has, which
 * failed, and the accept callbacks it ran. ES modules are re-evaluated eagerly, dependencies
 * first (Vite); CommonJS modules are only marked outdated and evaluated by the next `require`
 * (webpack), so an accept callback that requires its dependency gets the new version.
 */
class Update {
  /** @param {Engine} engine @param {ApplyOptions} options */
  constructor(engine, options) {
    this.engine = engine;
    this.options = options;
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
    void this.engine.events.emit("vite:error", { type: "error", err: { ...described, id: record.id } });
    // dynohot's diagnostics channel: informative messages, the error as a parameter.
    void this.engine.events.emit("message", `[hot] update of ${record.id} failed: ${described.message}`, err);
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
    const status = this.engine.status;
    this.phase = "evaluate";
    const ordered = dependenciesFirst(records);
    for (const record of ordered) {
      this.outdatedIds.add(record.id);
      if (!isLazy(record)) this.pending.add(record);
    }
    await status.set("dispose");
    // Dispose importers first, each instance once.
    for (const record of [...ordered].reverse()) {
      if (!record.hot) continue;
      this.previous.set(record, record.hot);
      await runDispose(record.hot, record, (err) => this.fail(record, err));
    }
    await status.set("apply");
    for (const record of ordered) if (isLazy(record)) this.markOutdated(record);
    for (const record of ordered) await this.reevaluate(record);
    this.phase = "accept";
    await this.accept(boundaries);
    this.requireSelfAccepted(ordered, ignoreSelfAccept);
  }

  /**
   * A CommonJS module leaves the graph until something requires it again (webpack removes it
   * from its cache); its importers keep the exports they hold.
   * @param {ModuleRecord} record
   */
  markOutdated(record) {
    this.outdated.add(record);
    if (record.hot) this.engine.events.removeOwner(record.hot);
    // A dependency the new code no longer names leaves the app (webpack disposes modules that
    // leave the compilation); the others wait for the new version's require.
    const named = new Set(Object.values(record.deps).flatMap((t) => ("id" in t ? [t.id] : [])));
    for (const dep of record.imports) {
      dep.importers.delete(record);
      if (!named.has(dep.id)) this.engine.lostImporter(dep);
    }
    record.imports = new Set();
    record.hot = null;
    record.state = "new";
    record.evaluation = null;
    record.error = undefined;
  }

  /**
   * Re-evaluates one ES module into a fresh exports object; the module's namespace takes the
   * new bindings only if evaluation succeeds. A module whose dependency failed is not evaluated.
   * @param {ModuleRecord} record
   */
  async reevaluate(record) {
    if (!this.pending.has(record)) return;
    this.pending.delete(record);
    const failedDep = [...record.imports].find((dep) => this.failed.has(dep));
    if (failedDep) {
      this.failed.set(record, new Error(`not re-evaluated: its dependency ${failedDep.id} failed`));
      return;
    }
    // The registry counts the re-evaluation in `done` when it ends, succeeded or not.
    try {
      await this.engine.registry.evaluate(record, Object.create(null), new Set());
    } catch (err) {
      record.stale = true;
      this.selfAcceptFailed(record, err);
    }
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
      if (!previous?.acceptsSelf && record !== this.engine.entry) continue;
      try {
        this.engine.registry.load(record);
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
    if (typeof handler === "function") {
      try {
        handler(err, { moduleId: record.id, module: record.module });
      } catch (handlerErr) {
        const info = { type: "self-accept-error-handler-errored", moduleId: record.id, error: handlerErr, originalError: err };
        this.webpackError(record, info, [handlerErr, err]);
      }
    } else if (handler === true) {
      this.webpackError(record, { type: "self-accept-errored", moduleId: record.id, error: err }, [err]);
    } else {
      this.fail(record, err);
    }
  }

  /**
   * Runs accept callbacks in the order the accepted modules were first evaluated.
   * @param {Boundary[]} boundaries
   */
  async accept(boundaries) {
    const records = this.engine.registry.records;
    /** @type {Array<{ order: number, run: () => Promise<void> | void, owner: ModuleRecord }>} */
    const calls = [];
    /** @type {Map<import("./hot-context.mjs").DepAccept, Set<string>>} registration -> accepted ids */
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
        const ns = boundaryRecord.namespace;
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
   * @param {import("./hot-context.mjs").DepAccept} reg
   * @param {Set<string>} ids
   */
  async runViteCallback(owner, reg, ids) {
    const records = this.engine.registry.records;
    for (const id of ids) {
      const record = /** @type {ModuleRecord} */ (records.get(id));
      if (record.state === "new" && isLazy(record)) {
        try {
          this.engine.registry.load(record);
        } catch (err) {
          this.fail(record, err);
        }
      }
      if (this.failed.has(record)) return;
    }
    const namespaces = reg.ids.map((id) => (ids.has(id) ? records.get(id)?.namespace : undefined));
    if (reg.cb) await reg.cb(reg.single ? namespaces[0] : namespaces);
    this.acceptedBy.push(owner.id);
  }

  /**
   * `module.hot.accept(deps, cb, errorHandler)`: `cb` gets the importer's outdated dependency
   * ids and requires them itself; its error goes to `errorHandler`, or fails the update.
   * @param {ModuleRecord} owner
   * @param {import("./hot-context.mjs").DepAccept} reg
   * @param {Set<string>} ids
   * @param {string[]} outdatedDependencies
   */
  async runWebpackCallback(owner, reg, ids, outdatedDependencies) {
    const dependencyId = [...ids][0];
    try {
      await reg.cb?.(outdatedDependencies);
      this.acceptedBy.push(owner.id);
    } catch (err) {
      if (typeof reg.errorHandler !== "function") {
        this.webpackError(owner, { type: "accept-errored", moduleId: owner.id, dependencyId, error: err }, [err]);
        return;
      }
      try {
        await reg.errorHandler(err, { moduleId: owner.id, dependencyId });
      } catch (handlerErr) {
        const info = { type: "accept-error-handler-errored", moduleId: owner.id, dependencyId, error: handlerErr, originalError: err };
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
async function runDispose(hot, record, onError) {
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

/**
 * The effect object webpack hands to `onDeclined`/`onUnaccepted`, and its abort error.
 * @param {ReloadPlan} plan
 * @param {string} changedId
 */
function abortEffect(plan, changedId) {
  const chain = `\nUpdate propagation: ${plan.chain.join(" -> ")}`;
  switch (plan.reason) {
    case "declined":
      return {
        effect: { type: "self-declined", moduleId: plan.path, chain: plan.chain },
        error: new Error(`Aborted because of self decline: ${plan.path}${chain}`),
      };
    case "declined-dependency":
      return {
        effect: { type: "declined", moduleId: plan.path, parentId: plan.parent, chain: plan.chain },
        error: new Error(`Aborted because of declined dependency: ${plan.path} in ${plan.parent}${chain}`),
      };
    default:
      return {
        effect: { type: "unaccepted", moduleId: plan.path, chain: plan.chain },
        error: new Error(`Aborted because ${changedId} is not accepted${chain}`),
      };
  }
}

/** @param {Boundary[]} boundaries */
function updatePayload(boundaries) {
  const timestamp = Date.now();
  return {
    type: "update",
    updates: boundaries.map((b) => ({ type: "js-update", path: b.boundary, acceptedPath: b.accepted, timestamp, explicitImportRequired: false, isWithinCircularImport: false })),
  };
}

/** @param {unknown} err */
export function describeError(err) {
  // An import that names nothing: the message says it all (which specifier, which importer);
  // the stack would only point at the importer's first line.
  if (err instanceof Error && UNRESOLVED in err) return { message: err.message, stack: "" };
  if (err instanceof Error) return { message: err.message, stack: appFrames(err.stack ?? String(err)) };
  return { message: String(err), stack: String(err) };
}

/**
 * A stack without the runtime's own frames and node's internals: what is left is where in the
 * app the error came from.
 * @param {string} stack
 */
function appFrames(stack) {
  return stack
    .split("\n")
    .filter((line) => !/^\s+at /.test(line) || !(line.includes(RUNTIME_DIR) || line.includes("node:internal")))
    .join("\n");
}
