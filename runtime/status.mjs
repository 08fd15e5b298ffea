// @ts-check
/**
 * webpack's update protocol over the engine: the status (`idle`, `check`, `prepare`, `ready`,
 * `dispose`, `apply`, `abort`, `fail`) with its handlers, `check()`/`apply()` with webpack's
 * guards, and the code hotnode sent that is not applied yet.
 *
 * Auto mode (default): each batch from hotnode is checked and applied at once (`check(true)`);
 * an `abort` restarts the process, a `fail` is recoverable (the next change starts a new check).
 * Manual mode (`--apply manual`): changes are only staged; the app calls `check()` and `apply()`,
 * and never runs code of an update it did not apply.
 */

import { toHotnode } from "./protocol.mjs";
import { webpackId } from "./webpack-ids.mjs";

/**
 * @typedef {import("./module-record.mjs").ModuleRecord} ModuleRecord
 * @typedef {import("./protocol.mjs").ModulePayload} ModulePayload
 * @typedef {import("./protocol.mjs").ErrorPayload} ErrorPayload
 * @typedef {import("./engine.mjs").Engine} Engine
 * @typedef {import("./engine.mjs").ChannelLike} ChannelLike
 * @typedef {import("./engine.mjs").Outcome} Outcome
 * @typedef {import("./update.mjs").ApplyOptions} ApplyOptions
 * @typedef {import("./hot-context.mjs").Face} Face
 * @typedef {"idle" | "check" | "prepare" | "ready" | "dispose" | "apply" | "abort" | "fail"} Status
 */

export class StatusController {
  /** @param {Engine} engine @param {ChannelLike} channel @param {{ manual?: boolean }} [options] */
  constructor(engine, channel, options = {}) {
    this.engine = engine;
    this.channel = channel;
    this.registry = engine.registry;
    this.manual = options.manual ?? false;
    /** @type {Status} */
    this.current = "idle";
    /** @type {Function[]} */
    this.handlers = [];
    /** The phases of an update, told by the engine. @type {import("./engine.mjs").PhaseListener} */
    this.onPhase = (phase) => this.set(phase);
    /** @type {Map<string, ModulePayload>} code received and not taken in by a check yet */
    this.staged = new Map();
    /** @type {Map<string, ModulePayload> | null} code a check took in, applied by apply() */
    this.prepared = null;
    /** @type {Set<ModuleRecord>} modules that called `module.hot.invalidate()` outside an update */
    this.invalidated = new Set();
    /**
     * The app's own check() or apply() in progress. They do not wait in the engine's queue (an
     * app may call them from a status handler or an accept callback, which run inside a queued
     * update); automatic updates wait for them instead.
     * @type {Promise<void> | null}
     */
    this.appCall = null;
    /** hotnode's number of the newest update received, and of the newest one answered */
    this.receivedSeq = 0;
    this.settledSeq = 0;
  }

  /**
   * Sets the status; every handler is called at once and their promises are awaited before
   * the update goes on. A handler that throws is reported and does not stop the update.
   * @param {Status} status
   */
  set(status) {
    this.current = status;
    const results = [];
    for (const handler of [...this.handlers]) {
      try {
        results.push(handler.call(null, status));
      } catch (err) {
        console.error("[hot] a status handler threw:", err);
      }
    }
    return Promise.all(results).then(
      () => {},
      (err) => console.error("[hot] a status handler rejected:", err),
    );
  }

  /**
   * New code from hotnode. Modules never sent before are simply known from now on; new code of
   * known modules waits for a check (auto mode runs one at once).
   * @param {ModulePayload[]} payloads
   * @param {number} [seq]
   */
  receive(payloads, seq) {
    if (seq && seq > this.receivedSeq) this.receivedSeq = seq;
    for (const payload of payloads) {
      if (this.registry.records.has(payload.id)) this.staged.set(payload.id, payload);
      else this.registry.receive(payload);
    }
    if (!this.manual) void this.engine.enqueue(() => this.autoUpdate());
    return this.engine.queue;
  }

  /**
   * Manual mode: a file that does not parse takes part in the next update as a module whose
   * evaluation throws its SyntaxError (as in webpack), so error handlers and `onErrored` see it.
   * @param {Partial<ErrorPayload>} err
   */
  receiveError(err) {
    if (!this.manual || !err.id) return;
    const record = this.registry.records.get(err.id);
    if (!record) return;
    const message = [err.message ?? "syntax error", err.frame ?? ""].filter(Boolean).join("\n");
    this.staged.set(record.id, record.payload(`throw new SyntaxError(${JSON.stringify(message)});\n`));
  }

  /**
   * Checks and applies what is staged (in auto mode) and what was invalidated; an abort
   * restarts the process, a failure waits for the next change.
   * @param {boolean} [takeStaged]
   */
  async autoUpdate(takeStaged = !this.manual) {
    while (this.appCall) await this.appCall;
    const seq = this.receivedSeq;
    try {
      await this.autoApply(takeStaged);
    } finally {
      // Tells hotnode this process is done with every update up to `seq` (its `updated`, if
      // any, went before), so the terminal line can count the processes that took it.
      if (takeStaged && seq > this.settledSeq) {
        this.settledSeq = seq;
        this.channel.send(toHotnode.settled(seq));
      }
    }
  }

  /** @param {boolean} takeStaged */
  async autoApply(takeStaged) {
    if (!(takeStaged && this.staged.size) && !this.invalidated.size) return;
    // A `fail` or `abort` (with --no-restart) is not final in auto mode; `ready` (an
    // invalidation waiting for apply()) is applied together with the change.
    if (this.current !== "ready") {
      await this.set("check");
      await this.set("prepare");
    }
    // Code an app's own check() prepared stays part of it.
    if (takeStaged) this.prepared = new Map([...(this.prepared ?? []), ...this.takeStaged()]);
    // Refresh only here: in manual mode the app decides what applies, as with webpack.
    const outcome = await this.applyPrepared({}, { refresh: !this.manual });
    if (outcome.type === "aborted" && outcome.plan) await this.engine.reload(outcome.plan, outcome.triggeredBy);
  }

  /**
   * `module.hot.check(autoApply)`: takes in every change hotnode has seen on disk, then resolves
   * with the ids of the updated modules (or null), applying them first with `autoApply`.
   * @param {boolean | ApplyOptions} [autoApply]
   * @returns {Promise<string[] | null>}
   */
  check(autoApply) {
    if (this.current !== "idle") throw new Error("check() is only allowed in idle status");
    return this.track(async () => {
      await this.set("check");
      // hotnode answers after it has sent every change already written to disk.
      await this.channel.request(toHotnode.check()).catch(() => {});
      if (!this.staged.size) {
        await this.set(this.invalidated.size ? "ready" : "idle");
        return null;
      }
      await this.set("prepare");
      this.prepared = this.takeStaged();
      const ids = [...this.prepared.keys()].map(webpackId);
      if (autoApply) return this.internalApply(typeof autoApply === "object" ? autoApply : {});
      await this.set("ready");
      return ids;
    });
  }

  /**
   * `module.hot.apply(options)`: only in `ready`.
   * @param {ApplyOptions} [options]
   * @returns {Promise<string[]>}
   */
  apply(options) {
    if (this.current !== "ready") {
      return Promise.reject(new Error(`apply() is only allowed in ready status (state: ${this.current})`));
    }
    return this.track(() => this.internalApply(options ?? {}));
  }

  /**
   * @template T
   * @param {() => Promise<T>} call
   * @returns {Promise<T>}
   */
  track(call) {
    const run = call();
    const settled = run.then(
      () => {},
      () => {},
    );
    this.appCall = settled;
    void settled.then(() => {
      if (this.appCall === settled) this.appCall = null;
    });
    return run;
  }

  /**
   * @param {ApplyOptions} options
   * @returns {Promise<string[]>}
   */
  async internalApply(options) {
    const outcome = await this.applyPrepared(options);
    if (outcome.type === "aborted") throw outcome.error;
    if (outcome.error) throw outcome.error;
    return outcome.outdated.map(webpackId);
  }

  /**
   * Puts the prepared code in place and applies it with the invalidated modules.
   * @param {ApplyOptions} options
   * @param {{ refresh?: boolean }} [how] see `Engine.applyUpdate`
   */
  async applyPrepared(options, how) {
    const prepared = this.prepared ?? new Map();
    this.prepared = null;
    /** @type {ModuleRecord[]} */
    const changed = [];
    /** @type {ModulePayload[]} the code in place before, put back if a manual apply aborts */
    const before = [];
    this.registry.retryErrored();
    for (const payload of prepared.values()) {
      const current = this.registry.records.get(payload.id);
      if (current) before.push(current.payload());
      const record = this.registry.replaceCode(payload);
      if (record) changed.push(record);
    }
    const invalidated = this.invalidated;
    this.invalidated = new Set();
    /** @type {Outcome} */
    let outcome;
    try {
      outcome = await this.engine.applyUpdate([...changed, ...invalidated], invalidated, options, this.onPhase, how);
    } catch (err) {
      // An apply() option callback threw, or the engine did: the update failed, the app runs on.
      await this.set("fail");
      throw err;
    }
    if (outcome.type === "aborted") {
      // Manual mode never runs code the app did not apply, also in modules it loads later. (In
      // auto mode the process restarts, or with --no-restart keeps the new code for when the
      // module is next evaluated.)
      if (this.manual) for (const payload of before) this.registry.receive(payload);
      await this.set("abort");
    }
    else await this.set(outcome.error ? "fail" : "idle");
    return outcome;
  }

  /** @returns {Map<string, ModulePayload>} */
  takeStaged() {
    const taken = this.staged;
    this.staged = new Map();
    return taken;
  }

  /**
   * A module gives up accepting (`import.meta.hot.invalidate()`, `module.hot.invalidate()`).
   * During an update (for Vite's face: in its accept callbacks) the update follows it at once;
   * otherwise it counts as changed in a new update: at once with Vite's face, with webpack's at
   * the next apply() (the status becomes `ready`), or with the next change in auto mode.
   * @param {ModuleRecord} record
   * @param {string | undefined} message
   * @param {Face} face
   */
  invalidate(record, message, face) {
    this.engine.announceInvalidation(record, message);
    const update = this.engine.currentUpdate;
    if (update && (face === "webpack" || update.phase === "accept")) {
      update.invalidated.add(record);
      return;
    }
    this.invalidated.add(record);
    if (face === "vite") void this.engine.enqueue(() => this.autoUpdate());
    else if (this.current === "idle") void this.set("ready");
  }

  /** `module.hot.status(handler)` and friends. @param {Function} handler */
  addHandler(handler) {
    this.handlers.push(handler);
  }

  /** @param {Function} handler */
  removeHandler(handler) {
    const at = this.handlers.indexOf(handler);
    if (at >= 0) this.handlers.splice(at, 1);
  }
}
