// @ts-check
/**
 * Refresh: an edit that changes only the bodies of a module's functions applies in the running
 * app, with no accept code and without running the module again (docs/REFRESH.md has the rules).
 *
 * The transform gives each function written in the module's own scope a slot and a guard
 * (`refresh_slots.rs`); the module's first statement asks for the slots, handing over an
 * evaluator of code in its scope. A slot is 0 until its function first runs, then 2; `enter`
 * notes a first run during the app's start (boot), since what the function did then is part of
 * the app's state, which its new body would not redo: an edit of such a function restarts.
 * When hotnode sends a version whose skeleton is unchanged (`refresh_plan.rs`), the new bodies
 * are compiled in the running module's scope and put in the slots: the functions the app holds
 * (a route's handler, a controller's method) run the new code from their next call.
 */
import diagnostics from "node:diagnostics_channel";

/**
 * @typedef {{ slots: number[], names: string[], code: string }} RefreshChunk  `names`: the
 *   functions', for messages
 * @typedef {{ from: string, chunks: RefreshChunk[] }} RefreshPayload  `from`: the code it replaces
 * @typedef {import("./module-record.mjs").ModuleRecord} ModuleRecord
 */

/** What the slots hold: any other value is the function with the new body. */
const RAN = 2;

/**
 * The app's start ends at its first connection (a server serving), or at its first update:
 * a function first run before then did its work for the start.
 */
let booting = true;
/** @type {() => boolean} whether modules are evaluating (what runs then is part of a start) */
let evaluating = () => false;

const onConnection = () => endBoot();
diagnostics.subscribe("net.server.socket", onConnection);

export function endBoot() {
  if (!booting) return;
  booting = false;
  diagnostics.unsubscribe("net.server.socket", onConnection);
}

/** @param {() => boolean} test */
export function setEvaluating(test) {
  evaluating = test;
}

/**
 * One module instance's slots (the array its guards read) and evaluator.
 */
export class Slots extends Array {
  /** @type {(code: string) => unknown} */
  evaluate = () => undefined;
  /** @type {Set<number>} slots whose function first ran during the start */
  boot = new Set();
  /** The hash of the code the functions now run: the module's, then each refresh's. */
  codeHash = "";
  /** The code the instance was evaluated from (its script's, for stack traces). */
  code = "";

  /**
   * @param {number} count @param {(code: string) => unknown} evaluate
   * @param {{ codeHash: string, code: string }} version the module's code as evaluated
   */
  static make(count, evaluate, version) {
    const slots = /** @type {Slots} */ (new Slots(count).fill(0));
    slots.evaluate = evaluate;
    slots.codeHash = version.codeHash;
    slots.code = version.code;
    return slots;
  }

  /**
   * The guard's slow path: the function's first run (false), or a call of a replaced one (true:
   * the guard then passes the call on with `call`).
   * @param {number} n
   */
  enter(n) {
    if (typeof this[n] === "function") return true;
    if (booting || evaluating()) this.boot.add(n);
    this[n] = RAN;
    return false;
  }

  /**
   * Runs the new function of slot `n` as the old one was called.
   * @param {number} n
   * @param {unknown} self `this` (null from an arrow function, whose new one has the module's)
   * @param {ArrayLike<unknown>} args
   * @param {Function} [newTarget]
   */
  call(n, self, args, newTarget) {
    const fn = /** @type {Function} */ (this[n]);
    return newTarget ? Reflect.construct(fn, args, newTarget) : Reflect.apply(fn, self, args);
  }
}

/**
 * Why `record`'s running instance cannot take `plan`, or null if it can.
 * @param {ModuleRecord} record
 * @param {RefreshPayload | undefined} plan
 * @returns {string | null}
 */
export function refreshBlocker(record, plan) {
  if (!plan) return "the edit changes code outside the functions hotnode can refresh (docs/REFRESH.md)";
  const slots = record.refresh;
  if (!slots || record.state !== "evaluated") return "the module is not running its functions";
  if (slots.codeHash !== plan.from) return "the running code is not the version the edit was made to";
  for (const chunk of plan.chunks) {
    for (const [i, n] of chunk.slots.entries()) {
      if (slots.boot.has(n)) return `${chunk.names[i]} ran while the app started, and its new body would not redo what it did then`;
    }
  }
  return null;
}

/**
 * Compiles the new bodies in the module's scope and puts them in place, all or none.
 * @param {ModuleRecord} record
 * @param {RefreshPayload} plan
 * @param {string} sourceUrl names the new code in stack traces (see registry's `stackViews`)
 * @returns {number} how many functions now run new code
 */
export function applyRefresh(record, plan, sourceUrl) {
  const slots = /** @type {Slots} */ (record.refresh);
  /** @type {[number, Function][]} */
  const replaced = [];
  for (const chunk of plan.chunks) {
    const functions = slots.evaluate(`${chunk.code}\n//# sourceURL=${sourceUrl}`);
    if (!Array.isArray(functions) || functions.length !== chunk.slots.length || functions.some((f) => typeof f !== "function")) {
      throw new Error("hotnode: a refresh compiled to something other than its functions");
    }
    chunk.slots.forEach((n, i) => replaced.push([n, functions[i]]));
  }
  for (const [n, fn] of replaced) slots[n] = fn;
  // The running functions now run the record's current version.
  slots.codeHash = record.codeHash;
  return replaced.length;
}
