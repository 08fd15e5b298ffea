// @ts-check
/**
 * The module namespace object of an ES module (what `import * as ns`, `import()` and accept
 * callbacks get), as the language defines it: no prototype, not extensible, its export names
 * sorted, each a non-configurable writable data property read live from the module's
 * bindings (an uninitialized one throws ReferenceError), nothing can be set, deleted or
 * defined. It is a Proxy over the module's long-lived bindings object, for two reasons:
 * - hotnode replaces a module's bindings in place on every update, and a namespace must show
 *   each new version's values without being a new object;
 * - a Proxy can report data properties with the binding's current value (a frozen object of
 *   accessors would show `get`/`set` in its descriptors, and one of values would go stale).
 * Named imports do not go through it: they read the bindings object directly (a Proxy trap
 * costs about 2.5 times a getter on an ordinary object, measured on Node 20).
 *
 * The language makes a namespace non-extensible, and a Proxy may only claim that when its
 * target is non-extensible too, with every key on it; a non-extensible target can never take
 * a new key. So the target takes nothing until code looks at the namespace as a whole:
 * a property asked for by descriptor is pinned on it, and `Object.isExtensible`,
 * `Object.preventExtensions` and the like seal it with every name. An update that changes the
 * export names of a namespace that was pinned or sealed gives the module a new namespace
 * object; the old one keeps its names and reads the current value of any exported name (a
 * removed one reads `undefined`), so code holding it still sees every new binding. Until then, and for namespaces nobody inspects (nearly all), the module has
 * one namespace for its whole life.
 */
import { inspect } from "node:util";

/**
 * @typedef {import("./module-record.mjs").ModuleRecord} ModuleRecord
 * @typedef {(record: ModuleRecord) => readonly string[]} NamesOf  a module's export names, sorted
 */

/** @type {WeakMap<object, ModuleRecord>} namespace -> its module, for `export *` */
const modules = new WeakMap();

/** The module whose namespace `value` is, if it is one. @param {unknown} value */
export function moduleOfNamespace(value) {
  return value !== null && typeof value === "object" ? modules.get(value) ?? null : null;
}

/** One namespace object, and what the Proxy's target has taken so far. */
export class Namespace {
  /**
   * @param {ModuleRecord} record
   * @param {NamesOf} namesOf
   * @param {Record<string, unknown>} [extra] names it shows beside the module's, with their values
   *   (`__esModule` on what `require()` of an ES module returns)
   */
  constructor(record, namesOf, extra) {
    this.record = record;
    this.extra = extra ?? null;
    this.namesOf = extra ? withExtra(namesOf, Object.keys(extra)) : namesOf;
    /** @type {readonly string[] | null} the names it keeps once the module has a newer namespace */
    this.retired = null;
    /** The target has taken a name: its name set may no longer change. */
    this.fixed = false;
    /** @type {readonly string[]} */
    this.seen = [];
    /** @type {Set<string>} `seen` as a set */
    this.seenSet = new Set();
    const target = Object.create(null);
    Object.defineProperty(target, Symbol.toStringTag, { value: "Module" });
    // util.inspect formats a Proxy's target, not through its traps: this shows the live view
    // as node shows a namespace. Hidden from the namespace's keys until a seal, which must
    // keep it (a non-extensible target's keys are all reported): then `Reflect.ownKeys` lists
    // it beside `Symbol.toStringTag`, the one way a sealed namespace differs from node's.
    Object.defineProperty(target, inspect.custom, { configurable: true, value: (/** @type {number} */ depth, /** @type {any} */ options) => this.inspect(depth, options) });
    this.target = target;
    this.proxy = new Proxy(target, this.handler());
    modules.set(this.proxy, record);
  }

  /**
   * Its export names: the module's current ones, unless the target has taken names that no
   * longer fit them; then this namespace retires with the names it has.
   * @returns {readonly string[]}
   */
  names() {
    if (this.retired) return this.retired;
    const now = this.namesOf(this.record);
    if (now !== this.seen) {
      if (this.fixed && !this.fits(now)) {
        this.retired = this.keptNames(now);
        this.seenSet = new Set(this.retired);
        return this.retired;
      }
      this.seen = now;
      this.seenSet = new Set(now);
    }
    return now;
  }

  /** @param {string} name */
  has(name) {
    this.names();
    return this.seenSet.has(name);
  }

  /** Whether `names` keeps every name the target took (all of them, and only, once sealed). @param {readonly string[]} names */
  fits(names) {
    const taken = Object.keys(this.target);
    if (Object.isExtensible(this.target)) return taken.every((name) => names.includes(name));
    return taken.length === names.length && taken.every((name) => names.includes(name));
  }

  /** What a retiring namespace keeps: its target's names (and, unsealed, the current ones). @param {readonly string[]} names */
  keptNames(names) {
    const taken = Object.keys(this.target);
    if (!Object.isExtensible(this.target)) return taken.sort();
    return [...new Set([...taken, ...names])].sort();
  }

  /**
   * The binding's current value; an export not initialized yet throws, as node's does.
   * @param {string} name
   */
  value(name) {
    if (this.extra && Object.prototype.hasOwnProperty.call(this.extra, name)) return this.extra[name];
    const bindings = /** @type {any} */ (this.record.bindings);
    if (Object.prototype.hasOwnProperty.call(bindings, name)) return bindings[name];
    if (this.retired) return undefined;
    throw new ReferenceError(`Cannot access '${name}' before initialization`);
  }

  /** @param {string} name */
  pin(name) {
    if (!Object.prototype.hasOwnProperty.call(this.target, name)) {
      Object.defineProperty(this.target, name, { value: undefined, writable: true, enumerable: true, configurable: false });
    }
    this.fixed = true;
  }

  /** Every name on the target, then no more: what a non-extensible namespace must be. */
  seal() {
    if (!Object.isExtensible(this.target)) return;
    Object.defineProperty(this.target, inspect.custom, { configurable: false });
    for (const name of this.names()) this.pin(name);
    this.fixed = true;
    Object.preventExtensions(this.target);
  }

  /** @param {number} depth @param {any} options */
  inspect(depth, options) {
    const view = Object.create(null);
    const uninitialized = { [inspect.custom]: () => options.stylize("<uninitialized>", "special") };
    for (const name of this.names()) {
      try {
        view[name] = this.value(name);
      } catch {
        view[name] = uninitialized;
      }
    }
    if (depth < 0) return options.stylize("[Module: null prototype]", "special");
    return inspect(view, { ...options, depth: options.depth === null ? null : depth }).replace(/^\[Object: null prototype\]/, "[Module: null prototype]");
  }

  /** The target's inspect hook, while the namespace does not show it. @param {object} target @param {symbol} key */
  hidden(target, key) {
    return key === inspect.custom && Object.isExtensible(target);
  }

  /** @returns {ProxyHandler<object>} */
  handler() {
    return {
      get: (target, key) => {
        if (typeof key === "symbol") return this.hidden(target, key) ? undefined : Reflect.get(target, key);
        // The common case first: the bindings hold only exported names.
        const bindings = /** @type {any} */ (this.record.bindings);
        // A retired namespace also reads names added since (no invariant stops a Proxy there).
        if (Object.prototype.hasOwnProperty.call(bindings, key) && !this.extra) return bindings[key];
        return this.has(key) ? this.value(key) : undefined;
      },
      has: (target, key) => (typeof key === "symbol" ? !this.hidden(target, key) && Reflect.has(target, key) : this.has(key)),
      set: () => false,
      deleteProperty: (target, key) => (typeof key === "symbol" ? Reflect.deleteProperty(target, key) : !this.has(key)),
      ownKeys: (target) => [...this.names(), ...Object.getOwnPropertySymbols(target).filter((s) => !this.hidden(target, s))],
      getOwnPropertyDescriptor: (target, key) => {
        if (typeof key === "symbol") return this.hidden(target, key) ? undefined : Reflect.getOwnPropertyDescriptor(target, key);
        if (!this.has(key)) return undefined;
        const value = this.value(key);
        this.pin(key);
        return { value, writable: true, enumerable: true, configurable: false };
      },
      defineProperty: (target, key, desc) => {
        if (typeof key === "symbol") return key === Symbol.toStringTag && Reflect.defineProperty(target, key, desc);
        if (!this.has(key)) return false;
        const value = this.value(key);
        if (desc.configurable === true || desc.enumerable === false || desc.writable === false) return false;
        if ("get" in desc || "set" in desc) return false;
        if ("value" in desc && !Object.is(desc.value, value)) return false;
        this.pin(key);
        return true;
      },
      getPrototypeOf: () => null,
      setPrototypeOf: (_target, proto) => proto === null,
      isExtensible: () => {
        this.seal();
        return false;
      },
      preventExtensions: () => {
        this.seal();
        return true;
      },
    };
  }
}

/**
 * The namespace a module hands out now: its current one, or a new one when an update changed
 * the names of one whose target has taken names (the old one retires with its names).
 * @param {Namespace | null} current
 * @param {ModuleRecord} record
 * @param {NamesOf} namesOf
 */
export function currentNamespace(current, record, namesOf) {
  if (current && !current.fixed) return current;
  if (current && (current.names(), !current.retired)) return current;
  return new Namespace(record, namesOf);
}

/**
 * `namesOf` with `extra` names added, sorted; the same array while the module's names are.
 * @param {NamesOf} namesOf
 * @param {string[]} extra
 * @returns {NamesOf}
 */
function withExtra(namesOf, extra) {
  /** @type {readonly string[] | null} */
  let from = null;
  /** @type {readonly string[]} */
  let names = [];
  return (record) => {
    const own = namesOf(record);
    if (own !== from) {
      from = own;
      names = Object.freeze([...new Set([...own, ...extra])].sort());
    }
    return names;
  };
}
