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
import { Registry, createNamespace } from "./registry.mjs";

/**
 * @typedef {import("./registry.mjs").ModuleRecord} ModuleRecord
 * @typedef {import("./registry.mjs").ModulePayload} ModulePayload
 * @typedef {import("./planner.mjs").Boundary} Boundary
 * @typedef {{ send(message: object): void, request(message: object): Promise<any> }} ChannelLike
 */

/** How long dispose handlers may take before a restart goes ahead without them. */
const RESTART_DISPOSE_TIMEOUT_MS = 3000;
/** Rounds of invalidate() inside accept callbacks followed within one update. */
const MAX_INVALIDATION_ROUNDS = 16;

export class Engine {
  /**
   * @param {ChannelLike} channel
   * @param {{ restart?: boolean, exit?: (code: number) => void }} [options]
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
   * New code from hotnode. Modules this process runs are updated; the code of modules it only
   * holds is replaced for when they are first imported.
   * @param {ModulePayload[]} payloads
   */
  receiveUpdate(payloads) {
    return this.enqueue(async () => {
      /** @type {ModuleRecord[]} */
      const changed = [];
      for (const payload of payloads) {
        this.registry.accept(payload);
        const record = /** @type {ModuleRecord} */ (this.registry.records.get(payload.id));
        if (record.state === "evaluated") changed.push(record);
        // A module whose first evaluation threw is evaluated afresh, from the new code, at its
        // next import (instead of rethrowing the old error forever).
        else if (record.state === "errored") {
          record.state = "new";
          record.error = undefined;
          record.evaluation = null;
        }
      }
      if (changed.length) await this.applyUpdate(changed, new Set());
    });
  }

  /** @param {() => Promise<void>} job */
  enqueue(job) {
    const run = this.queue.then(job).catch((err) => {
      console.error("[hot] internal error while applying an update:", err);
    });
    this.queue = run;
    return run;
  }

  /**
   * @param {ModuleRecord} record
   * @param {string} [message]
   */
  invalidate(record, message) {
    const payload = { path: record.id, message };
    this.send({ type: "invalidate", path: record.id, message: message ?? null });
    void this.events.emit("vite:invalidate", payload);
    const update = this.currentUpdate;
    if (update && update.phase === "accept") {
      update.invalidated.add(record);
      return;
    }
    // Outside an update: the module counts as changed, its self-acceptance ignored.
    void this.enqueue(() => this.applyUpdate([record], new Set([record])));
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
      importers: (id) => [...(records.get(id)?.importers ?? [])].map((r) => r.id),
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
    };
  }

  /**
   * @param {ModuleRecord[]} changed
   * @param {Set<ModuleRecord>} ignoreSelfAccept
   */
  async applyUpdate(changed, ignoreSelfAccept) {
    if (this.reloading) return;
    const started = performance.now();
    const update = new Update(this);
    this.currentUpdate = update;
    try {
      let round = changed;
      let ignore = ignoreSelfAccept;
      /** @type {object | null} */
      let payload = null;
      for (let i = 0; round.length && i < MAX_INVALIDATION_ROUNDS; i++) {
        const plan = planUpdate(round.map((r) => r.id), this.graph(), new Set([...ignore].map((r) => r.id)));
        if (plan.type === "reload") {
          await this.reload(plan, changed[0].id);
          return;
        }
        const records = plan.reevaluate.map((id) => /** @type {ModuleRecord} */ (this.registry.records.get(id)));
        if (!payload) {
          payload = updatePayload(plan.boundaries);
          await this.events.emit("vite:beforeUpdate", payload);
        }
        await update.run(records.filter((r) => !update.done.has(r)), plan.boundaries);
        round = [...update.invalidated];
        ignore = update.invalidated;
        update.invalidated = new Set();
      }
      update.phase = "prune";
      await this.prune(update);
      if (payload) await this.events.emit("vite:afterUpdate", payload);
      this.report(changed, update, performance.now() - started);
    } finally {
      this.currentUpdate = null;
    }
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
      const hot = record.hot;
      if (hot) {
        await runDispose(hot, record.data, (err) => update.fail(record, err));
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
    }
  }

  /**
   * The update cannot be applied hot: ask hotnode to restart the process with the code on disk,
   * after `vite:beforeFullReload` and every dispose handler (bounded in time).
   * @param {import("./planner.mjs").ReloadPlan} plan
   * @param {string} triggeredBy
   */
  async reload(plan, triggeredBy) {
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
        await runDispose(/** @type {any} */ (record.hot), record.data, (err) => console.error(`[hot] dispose of ${record.id} threw:`, err));
      }
    })();
    await Promise.race([disposeAll, new Promise((r) => setTimeout(r, RESTART_DISPOSE_TIMEOUT_MS).unref())]);
    this.exit(0);
  }
}

/**
 * One update in progress: which modules it still has to re-evaluate, which it has, which
 * failed, and the accept callbacks it ran.
 */
class Update {
  /** @param {Engine} engine */
  constructor(engine) {
    this.engine = engine;
    /** @type {"evaluate" | "accept" | "prune"} */
    this.phase = "evaluate";
    /** @type {Set<ModuleRecord>} */
    this.pending = new Set();
    /** @type {Set<ModuleRecord>} */
    this.done = new Set();
    /** @type {Map<ModuleRecord, unknown>} */
    this.failed = new Map();
    /** @type {Set<ModuleRecord>} */
    this.invalidated = new Set();
    /** @type {Set<ModuleRecord>} */
    this.lostImporters = new Set();
    /** @type {string[]} */
    this.acceptedBy = [];
    /** @type {Map<ModuleRecord, import("./hot-context.mjs").HotContext>} instances being replaced */
    this.previous = new Map();
  }

  /**
   * @param {ModuleRecord} record
   * @param {unknown} err
   */
  fail(record, err) {
    if (!this.failed.has(record)) this.failed.set(record, err);
    const described = describeError(err);
    void this.engine.events.emit("vite:error", { type: "error", err: { ...described, id: record.id } });
    // dynohot's diagnostics channel: informative messages, the error as a parameter.
    void this.engine.events.emit("message", `[hot] update of ${record.id} failed: ${described.message}`, err);
  }

  /**
   * @param {ModuleRecord[]} records modules to re-evaluate
   * @param {Boundary[]} boundaries
   */
  async run(records, boundaries) {
    this.phase = "evaluate";
    const ordered = dependenciesFirst(records);
    for (const record of ordered) this.pending.add(record);
    // Dispose importers first, each instance once.
    for (const record of [...ordered].reverse()) {
      if (!record.hot) continue;
      this.previous.set(record, record.hot);
      await runDispose(record.hot, record.data, (err) => this.fail(record, err));
    }
    for (const record of ordered) await this.reevaluate(record);
    this.phase = "accept";
    await this.accept(boundaries);
  }

  /**
   * Re-evaluates one module into a fresh exports object; the module's namespace takes the new
   * bindings only if evaluation succeeds. A module whose dependency failed is not evaluated.
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
    try {
      await this.engine.registry.evaluate(record, Object.create(null), new Set());
      this.done.add(record);
    } catch (err) {
      record.stale = true;
      this.done.add(record);
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
    /** @type {Map<object, Set<string>>} dependency-accept registration -> accepted ids */
    const depCalls = new Map();
    /** @type {Map<object, ModuleRecord>} */
    const depOwners = new Map();
    for (const { boundary, accepted } of boundaries) {
      const acceptedRecord = /** @type {ModuleRecord} */ (records.get(accepted));
      const boundaryRecord = /** @type {ModuleRecord} */ (records.get(boundary));
      if (this.failed.has(acceptedRecord)) continue;
      if (boundary === accepted) {
        const previous = this.previous.get(boundaryRecord) ?? boundaryRecord.hot;
        if (!previous) continue;
        const ns = boundaryRecord.namespace;
        const callbacks = previous.selfAccepts.length ? previous.selfAccepts : [previous.exportsAccept?.cb];
        calls.push({
          order: acceptedRecord.order,
          owner: boundaryRecord,
          run: async () => {
            for (const cb of callbacks) if (cb) await cb(ns);
          },
        });
        continue;
      }
      const hot = boundaryRecord.hot;
      if (!hot) continue;
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
    for (const [registration, ids] of depCalls) {
      const reg = /** @type {import("./hot-context.mjs").DepAccept} */ (registration);
      const owner = /** @type {ModuleRecord} */ (depOwners.get(registration));
      const namespaces = reg.ids.map((id) => (ids.has(id) ? records.get(id)?.namespace : undefined));
      const order = Math.min(...[...ids].map((id) => records.get(id)?.order ?? Infinity));
      calls.push({
        order,
        owner,
        run: async () => {
          if (reg.cb) await reg.cb(reg.single ? namespaces[0] : namespaces);
        },
      });
    }
    calls.sort((a, b) => a.order - b.order);
    for (const call of calls) {
      try {
        await call.run();
        this.acceptedBy.push(call.owner.id);
      } catch (err) {
        this.fail(call.owner, err);
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
 * @param {import("./hot-context.mjs").HotContext} hot
 * @param {object} data
 * @param {(err: unknown) => void} onError
 */
async function runDispose(hot, data, onError) {
  if (hot.disposed) return;
  hot.disposed = true;
  for (const handler of hot.disposeHandlers) {
    try {
      await handler(data);
    } catch (err) {
      onError(err);
    }
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
  if (err instanceof Error) return { message: err.message, stack: err.stack ?? String(err) };
  return { message: String(err), stack: String(err) };
}
