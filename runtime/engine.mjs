// @ts-check
/**
 * The apply engine: plans an update with the live registrations and applies it as SEMANTICS.md
 * says (events, dispose, re-evaluation dependencies first, accept callbacks, prune), one update
 * at a time. Anything it cannot apply hot it hands back to hotnode as a restart request, after
 * releasing the app's resources. It knows nothing of webpack's status protocol (`status.mjs`,
 * the layer above): the phases of an update are told to a callback.
 */
import { Module } from "node:module";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { appLoaders } from "./app-files.mjs";
import { describeError, loadError } from "./errors.mjs";
import { checkUpdateLinks, importerOf } from "./link.mjs";
import { webpackId } from "./webpack-ids.mjs";
import { isCommonJs } from "./module-record.mjs";
import { liveGraph, planUpdate } from "./planner.mjs";
import { endBoot, refreshBlocker } from "./refresh.mjs";
import { RESTART_ACK_WAIT_MS, RESTART_DISPOSE_WAIT_MS, toHotnode } from "./protocol.mjs";
import { Registry } from "./registry.mjs";
import { Update, runDispose } from "./update.mjs";

/**
 * @typedef {import("./module-record.mjs").ModuleRecord} ModuleRecord
 * @typedef {import("./events.mjs").EventBus} EventBus
 * @typedef {import("./hot-context.mjs").HotContext} HotContext
 * @typedef {import("./planner.mjs").Boundary} Boundary
 * @typedef {import("./planner.mjs").HotPlan} HotPlan
 * @typedef {import("./planner.mjs").ReloadPlan} ReloadPlan
 * @typedef {import("./update.mjs").ApplyOptions} ApplyOptions
 * @typedef {import("./protocol.mjs").RuntimeMessage} RuntimeMessage
 * @typedef {import("./protocol.mjs").RuntimeRequest} RuntimeRequest
 * @typedef {{ send(message: RuntimeMessage): void, request(message: RuntimeRequest): Promise<any>,
 *   requestSync?: (message: RuntimeRequest) => any }} ChannelLike
 * @typedef {{ type: "aborted", error: Error, plan: ReloadPlan | null, triggeredBy: string }
 *   | { type: "applied", outdated: string[], error: unknown }} Outcome
 * @typedef {(phase: "dispose" | "apply") => Promise<void>} PhaseListener
 */

/** Marks the runtime's own signal listeners (main.mjs), which are not the app's shutdown. */
export const RUNTIME_LISTENER = Symbol.for("hotnode.runtime-listener");

/** How long a restart hotnode asks for waits for the update under way (see `reloadSoon`). */
const RELOAD_QUEUE_WAIT_MS = 1000;

/** Rounds of invalidate() inside accept callbacks followed within one update. */
const MAX_INVALIDATION_ROUNDS = 16;

export class Engine {
  /**
   * @param {ChannelLike} channel
   * @param {{ events: EventBus, createHot: (record: ModuleRecord) => HotContext, restart?: boolean,
   *   exit?: (code: number) => void, signalOnRestart?: boolean,
   *   tellParent?: ReturnType<typeof import("./hot-hook.mjs").hotHookParent> }} options
   */
  constructor(channel, options) {
    this.channel = channel;
    this.events = options.events;
    this.restartEnabled = options.restart ?? true;
    this.exit = options.exit ?? ((code) => process.exit(code));
    this.signalOnRestart = options.signalOnRestart ?? false;
    /** hot-hook's messages to a parent listening over IPC (see `hotHookParent`) */
    this.tellParent = options.tellParent ?? null;
    /** @type {Update | null} */
    this.currentUpdate = null;
    this.registry = new Registry({
      request: (message) => channel.request(message),
      requestSync: channel.requestSync && ((message) => /** @type {any} */ (channel).requestSync(message)),
      notLoadedByHotnode: (file, how) => channel.send(toHotnode.loaded(file, how)),
      createHot: options.createHot,
      dropListeners: (hot) => this.events.removeOwner(hot),
      currentUpdate: () => this.currentUpdate,
    });
    /** @type {Promise<void>} updates run one after another */
    this.queue = Promise.resolve();
    /** @type {ModuleRecord | null} */
    this.entry = null;
    this.reloading = false;
    /** @type {ReturnType<typeof setInterval> | null} keeps a restarting process alive (see `holdOpen`) */
    this.held = null;
  }

  /**
   * Loads and evaluates the entry module.
   * @param {string} entryPath
   */
  async boot(entryPath) {
    const target = await this.registry.fetch(entryPath, null);
    if ("error" in target) throw loadError(target);
    // A package's script as the entry (`hotnode node_modules/.bin/fastify start src/app.ts`):
    // node runs it as its main module, as `node <script>` would (`require.main`, a shebang line);
    // the app files it loads come to hotnode through node's loaders (node-loaders.mjs).
    if (!("id" in target)) appLoaders.beforePackages();
    if (!("id" in target)) return Module.runMain(target.external.startsWith("file:") ? fileURLToPath(target.external) : target.external);
    const record = /** @type {ModuleRecord} */ (this.registry.records.get(target.id));
    this.entry = record;
    this.registry.entryId = record.id;
    return this.registry.instantiate(record, new Set());
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
   * Tells hotnode and the app's listeners that a module invalidated itself.
   * @param {ModuleRecord} record
   * @param {string | undefined} message
   */
  announceInvalidation(record, message) {
    this.channel.send(toHotnode.invalidate(record.id, message));
    void this.events.emit("vite:invalidate", { path: record.id, message });
  }

  /**
   * Plans and applies one update. Nothing is touched when it cannot apply (`aborted`).
   * @param {ModuleRecord[]} changed
   * @param {Set<ModuleRecord>} ignoreSelfAccept invalidated modules
   * @param {ApplyOptions} options
   * @param {PhaseListener} onPhase
   * @param {{ refresh?: boolean }} [how] `refresh`: a change nothing accepts may apply by
   *   refreshing function bodies (auto mode; see `refresh.mjs`)
   * @returns {Promise<Outcome>}
   */
  async applyUpdate(changed, ignoreSelfAccept, options, onPhase, how = {}) {
    const triggeredBy = changed[0]?.id ?? "";
    if (this.reloading) return { type: "aborted", error: new Error("the process is restarting"), plan: null, triggeredBy };
    const started = performance.now();
    const update = new Update({ registry: this.registry, events: this.events, entry: this.entry, options, onPhase });
    this.currentUpdate = update;
    try {
      let round = changed;
      let ignore = ignoreSelfAccept;
      /** @type {object | null} */
      let payload = null;
      for (let i = 0; round.length && i < MAX_INVALIDATION_ROUNDS; i++) {
        const analysis = this.analyse(round, ignore, options, i === 0 && Boolean(how.refresh));
        if ("abort" in analysis) return { type: "aborted", error: analysis.abort, plan: analysis.plan, triggeredBy };
        const plan = analysis.update;
        for (const record of analysis.refresh) {
          const refreshPlan = /** @type {import("./refresh.mjs").RefreshPayload} */ (record.refreshPlan);
          try {
            update.refreshed += this.registry.refresh(record, refreshPlan);
            update.refreshedModules.push(record);
          } catch (err) {
            const why = `its new bodies did not compile in the running module (${describeError(err).message})`;
            const reload = /** @type {ReloadPlan} */ ({ type: "reload", path: record.id, reason: "unaccepted", chain: [record.id], why });
            return { type: "aborted", error: /** @type {Error} */ (err), plan: reload, triggeredBy };
          }
        }
        const records = plan.reevaluate.map((id) => /** @type {ModuleRecord} */ (this.registry.records.get(id)));
        if (!payload) {
          // Linked as node links a graph: a name an importer asks for that the new code does
          // not export fails the update before anything is disposed (the old code runs on).
          const unlinked = this.checkLinks(records, changed, update);
          if (unlinked) {
            this.report(changed, update, performance.now() - started);
            return { type: "applied", outdated: [], error: unlinked };
          }
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
      // The app's start is over by its first update, if no connection ended it before.
      endBoot();
    }
  }

  /**
   * The link check of an update: on a failure, the module whose import failed and the changed
   * modules are the update's failures (each is sent again with the next save that touches it).
   * @param {ModuleRecord[]} replaced
   * @param {ModuleRecord[]} changed
   * @param {Update} update
   * @returns {unknown} the error, or null
   */
  checkLinks(replaced, changed, update) {
    try {
      checkUpdateLinks(replaced.filter((r) => !isCommonJs(r)), this.registry.records);
      return null;
    } catch (err) {
      const importer = importerOf(err);
      if (importer) update.fail(importer, err);
      for (const record of changed) update.fail(record, err);
      return err;
    }
  }

  /**
   * The effect of each changed module, as webpack reports them to `apply()`'s options; the
   * accepted ones merged into one plan. A declined or unaccepted change aborts the update unless
   * the options say to ignore it (then that change is left out).
   * A change nothing accepts is refreshed instead where it can be (`refresh`): its module's
   * running functions take the new bodies (see `refresh.mjs`); where it cannot be, the restart
   * says why.
   * @param {ModuleRecord[]} changed
   * @param {Set<ModuleRecord>} ignore
   * @param {ApplyOptions} options
   * @param {boolean} refresh
   * @returns {{ update: HotPlan, refresh: ModuleRecord[] } | { abort: Error, plan: ReloadPlan }}
   */
  analyse(changed, ignore, options, refresh) {
    const graph = liveGraph(this.registry.records, this.entry?.id);
    const ignoreIds = new Set([...ignore].map((r) => r.id));
    /** @type {Set<string>} */
    const reevaluate = new Set();
    /** @type {Boundary[]} */
    const boundaries = [];
    /** @type {ModuleRecord[]} */
    const refreshed = [];
    for (const record of changed) {
      const plan = planUpdate([record.id], graph, ignoreIds);
      if (plan.type === "reload" && plan.reason === "unaccepted" && refresh && !ignore.has(record)) {
        const why = refreshBlocker(record, record.refreshPlan);
        if (!why) {
          refreshed.push(record);
          continue;
        }
        plan.why = why;
      }
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
      for (const b of plan.boundaries) {
        if (b.boundary !== b.accepted) (outdatedDependencies[webpackId(b.boundary)] ??= []).push(webpackId(b.accepted));
      }
      options.onAccepted?.({ type: "accepted", moduleId: webpackId(record.id), outdatedModules: plan.reevaluate.map(webpackId), outdatedDependencies });
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
      refresh: refreshed,
    };
  }

  /**
   * @param {ModuleRecord[]} changed
   * @param {Update} update
   * @param {number} ms
   */
  report(changed, update, ms) {
    if (this.tellParent) {
      const replaced = new Set([...update.done].map((r) => r.id).concat(update.lazilyReplaced, update.refreshedModules.map((r) => r.id)));
      if (replaced.size) this.tellParent({ type: "hot-hook:invalidated", paths: [...replaced] });
    }
    this.channel.send(
      toHotnode.updated({
        changed: changed.map((r) => r.id),
        reevaluated: [...update.done].map((r) => r.id),
        accepted: [...new Set(update.acceptedBy)],
        ...(update.lazilyReplaced.length ? { nextImport: update.lazilyReplaced } : {}),
        ...(update.refreshedModules.length ? { refreshed: update.refreshedModules.map((r) => r.id), refreshedFunctions: update.refreshed } : {}),
        failed: [...update.failed].map(([record, err]) => ({ id: record.id, ...describeError(err) })),
        ms: Math.round(ms * 100) / 100,
      }),
    );
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
      update.options.onDisposed?.({ type: "disposed", moduleId: webpackId(record.id) });
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
      // A pruned module leaves the app (webpack disposes it): namespaces handed out keep showing
      // the exports it had; if it is imported again, it is a new module with a new namespace.
      this.registry.detachNamespaces(record);
      record.reset();
      record.pruned = true;
    }
  }

  /**
   * A restart hotnode asks for: after the update under way, as updates go one at a time, but
   * not behind one that does not end (a dispose handler or top-level await that never settles):
   * past a short wait it goes ahead.
   * @param {ReloadPlan} plan
   * @param {string} triggeredBy
   */
  reloadSoon(plan, triggeredBy) {
    this.holdOpen();
    void delay(RELOAD_QUEUE_WAIT_MS).then(() => this.reload(plan, triggeredBy));
    return this.enqueue(() => this.reload(plan, triggeredBy));
  }

  /**
   * Keeps the process alive until the restart ends it. Its waits do not, and the app may have
   * nothing else left (a parent whose forked child, restarting too, has just exited): it would
   * end before its dispose handlers ran.
   */
  holdOpen() {
    this.held ??= setInterval(() => {}, 1 << 30);
  }

  release() {
    if (this.held) clearInterval(this.held);
    this.held = null;
  }

  /**
   * The update cannot be applied hot: ask hotnode to restart the process with the code on disk,
   * after `vite:beforeFullReload` and every dispose handler (bounded in time).
   * @param {ReloadPlan} plan
   * @param {string} triggeredBy
   */
  async reload(plan, triggeredBy) {
    if (this.reloading) return;
    const message = toHotnode.restart(plan);
    if (!this.restartEnabled) {
      this.channel.send(message);
      this.release();
      return;
    }
    // Set before the first wait: a restart hotnode asks for may start twice (see `reloadSoon`).
    this.reloading = true;
    this.holdOpen();
    // hot-hook names the file that changed (the walk's end is `plan.path`).
    this.tellParent?.({ type: "hot-hook:full-reload", path: triggeredBy || plan.path, shouldBeReloadable: false });
    // Wait until hotnode knows this exit is a restart (its exit must not read as the app's own
    // clean exit), but never hang on it.
    await Promise.race([this.channel.request(message).catch(() => {}), delay(RESTART_ACK_WAIT_MS)]);
    await this.events.emit("vite:beforeFullReload", { type: "full-reload", path: plan.path, triggeredBy });
    const records = [...this.registry.records.values()].filter((r) => r.hot).sort((a, b) => b.order - a.order);
    const disposeAll = (async () => {
      for (const record of records) {
        await runDispose(/** @type {HotContext} */ (record.hot), record, (err) => console.error(`[hot] dispose of ${record.id} threw:`, err));
      }
    })();
    await Promise.race([disposeAll, delay(RESTART_DISPOSE_WAIT_MS)]);
    // As node --watch does: an app with a SIGTERM handler of its own shuts down by it (closes
    // its server, its pool) and exits when it is done; hotnode waits as for a signal.
    if (this.signalOnRestart && process.listeners("SIGTERM").some((listener) => !(RUNTIME_LISTENER in listener))) {
      // The app's handler shuts down, and the process ends when nothing is left, as without hotnode.
      this.release();
      process.kill(process.pid, "SIGTERM");
      return;
    }
    this.exit(0);
    // Where exiting is not this process's (a worker thread stays until its process restarts).
    this.release();
  }
}

/** @param {number} ms a wait that does not keep the process alive */
function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * The effect object webpack hands to `onDeclined`/`onUnaccepted`, and its abort error.
 * @param {ReloadPlan} plan
 * @param {string} changedId
 */
function abortEffect(plan, changedId) {
  const chainIds = plan.chain.map(webpackId);
  const moduleId = webpackId(plan.path);
  const chain = `\nUpdate propagation: ${chainIds.join(" -> ")}`;
  switch (plan.reason) {
    case "declined":
      return {
        effect: { type: "self-declined", moduleId, chain: chainIds },
        error: new Error(`Aborted because of self decline: ${moduleId}${chain}`),
      };
    case "declined-dependency": {
      const parentId = webpackId(plan.parent ?? "");
      return {
        effect: { type: "declined", moduleId, parentId, chain: chainIds },
        error: new Error(`Aborted because of declined dependency: ${moduleId} in ${parentId}${chain}`),
      };
    }
    default:
      return {
        effect: { type: "unaccepted", moduleId, chain: chainIds },
        error: new Error(`Aborted because ${webpackId(changedId)} is not accepted${chain}`),
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
