// @ts-check
/**
 * The hot registrations of one instance of one module, and its two faces: `import.meta.hot`
 * (Vite's API with dynohot's extensions) and `module.hot` / `import.meta.webpackHot` (webpack's).
 * Both faces write into the same registrations; each one remembers which face made it, because
 * the faces call back with different arguments. Registrations only take effect for updates once
 * the instance has evaluated successfully (the webpack face: once it ran at all); until then the
 * previous instance's registrations stay the live ones.
 */

import { toHotnode } from "./protocol.mjs";

/**
 * hot-hook's `import.meta.hot.boundary`: the options of an `import()` whose module is a
 * boundary. When it (or a module below it) changes, it is not re-evaluated in place: its next
 * `import()` evaluates the new code, as hot-hook's loader hands out a new version; the importer
 * needs no accept code.
 */
export const IMPORT_BOUNDARY = Object.freeze({ with: Object.freeze({ hot: "true" }) });

/**
 * @typedef {import("./module-record.mjs").ModuleRecord} ModuleRecord
 * @typedef {import("./events.mjs").EventBus} EventBus
 * @typedef {import("./status.mjs").StatusController} StatusController
 * @typedef {"vite" | "webpack"} Face
 * @typedef {object} HotHost  what a module's hot context needs of the rest of the runtime
 * @property {EventBus} events  `on`/`off`, one bus for the process
 * @property {(message: import("./protocol.mjs").CustomToHotnode) => void} send  to hotnode
 * @property {(record: ModuleRecord, specifier: string) => string} resolve  a specifier of the module, synchronously
 * @property {(record: ModuleRecord, message: string | undefined, face: Face) => void} invalidate
 * @property {Pick<StatusController, "check" | "apply" | "current" | "addHandler" | "removeHandler">} status  webpack's
 * @typedef {{ ids: string[], single: boolean, cb: Function | undefined, face: Face, errorHandler?: Function }} DepAccept
 * @typedef {{ fn: Function, face: Face }} DisposeHandler
 */

export class HotContext {
  /** @param {ModuleRecord} record @param {HotHost} host */
  constructor(record, host) {
    this.record = record;
    this.host = host;
    /** @type {Array<Function | undefined>} Vite-face self-accept callbacks (`undefined` for `accept()`) */
    this.selfAccepts = [];
    /** webpack-face self-accept: `true`, or the error handler given to `accept(fn)` */
    /** @type {boolean | Function} */
    this.webpackSelfAccept = false;
    /** @type {DepAccept[]} */
    this.depAccepts = [];
    /** @type {{ names: string[], cb: Function | undefined } | null} */
    this.exportsAccept = null;
    /** @type {DisposeHandler[]} */
    this.disposeHandlers = [];
    /** @type {Function[]} */
    this.pruneHandlers = [];
    this.declined = false;
    /** @type {Set<string>} webpack's `decline(deps)` */
    this.declinedDeps = new Set();
    this.disposed = false;
    /** `module.hot.data` of this instance: what the previous one's dispose filled (webpack
     * hands each instance its own, which a dispose handler can still read). */
    this.webpackData = record.webpackData;
    /** @type {ReturnType<HotContext["createApi"]> | null} built on first use, as the webpack face */
    this.viteFace = null;
    /** @type {object | null} built on first use: most modules never touch the webpack face */
    this.webpackFace = null;
  }

  /** @param {string} specifier */
  resolveId(specifier) {
    return this.host.resolve(this.record, specifier);
  }

  /** `import.meta.hot` */
  get api() {
    this.viteFace ??= this.createApi();
    return this.viteFace;
  }

  createApi() {
    const ctx = this;
    const host = this.host;
    return {
      get data() {
        return ctx.record.data;
      },
      /**
       * @param {string | string[] | Function} [deps]
       * @param {Function} [cb]
       */
      accept(deps, cb) {
        if (deps === undefined || typeof deps === "function") {
          ctx.selfAccepts.push(deps);
        } else if (typeof deps === "string") {
          ctx.depAccepts.push({ ids: [ctx.resolveId(deps)], single: true, cb, face: "vite" });
        } else if (Array.isArray(deps)) {
          ctx.depAccepts.push({ ids: deps.map((d) => ctx.resolveId(d)), single: false, cb, face: "vite" });
        } else {
          throw new TypeError("import.meta.hot.accept() takes a callback, a specifier or an array of specifiers");
        }
      },
      /** @param {string | string[]} names @param {Function} [cb] */
      acceptExports(names, cb) {
        ctx.exportsAccept = { names: Array.isArray(names) ? names : [names], cb };
      },
      /** @param {Function} cb */
      dispose(cb) {
        ctx.disposeHandlers.push({ fn: cb, face: "vite" });
      },
      /** @param {Function} cb */
      prune(cb) {
        ctx.pruneHandlers.push(cb);
      },
      decline() {
        ctx.declined = true;
      },
      /** @param {string} [message] */
      invalidate(message) {
        host.invalidate(ctx.record, message, "vite");
      },
      /** @param {string} event @param {Function} fn */
      on(event, fn) {
        host.events.on(event, fn, ctx);
        return () => host.events.off(event, fn);
      },
      /** @param {string} event @param {Function} fn */
      off(event, fn) {
        host.events.off(event, fn);
      },
      /** @param {string} event @param {unknown} [data] */
      send(event, data) {
        host.send(toHotnode.custom(event, data));
      },
      /** hot-hook's: `import(specifier, import.meta.hot?.boundary)` makes the module a boundary
       * (see `IMPORT_BOUNDARY`). */
      boundary: IMPORT_BOUNDARY,
    };
  }

  /** `module.hot` and `import.meta.webpackHot` */
  get webpackApi() {
    this.webpackFace ??= this.createWebpackApi();
    return this.webpackFace;
  }

  createWebpackApi() {
    const ctx = this;
    const status = this.host.status;
    /** @param {string | string[]} deps */
    const idsOf = (deps) => (Array.isArray(deps) ? deps : [deps]).map((d) => ctx.resolveId(d));
    return {
      get active() {
        return !ctx.disposed;
      },
      get data() {
        return ctx.webpackData;
      },
      /**
       * @param {string | string[] | Function} [deps]
       * @param {Function} [cb]
       * @param {Function} [errorHandler]
       */
      accept(deps, cb, errorHandler) {
        if (deps === undefined) ctx.webpackSelfAccept = true;
        else if (typeof deps === "function") ctx.webpackSelfAccept = deps;
        else if (typeof deps === "string" || Array.isArray(deps)) {
          ctx.depAccepts.push({ ids: idsOf(deps), single: false, cb: cb ?? (() => {}), face: "webpack", errorHandler });
        } else {
          throw new TypeError("module.hot.accept() takes an error handler, a dependency or an array of dependencies");
        }
      },
      /** @param {string | string[]} [deps] */
      decline(deps) {
        if (deps === undefined) ctx.declined = true;
        else for (const id of idsOf(deps)) ctx.declinedDeps.add(id);
      },
      /** @param {Function} cb */
      dispose(cb) {
        ctx.disposeHandlers.push({ fn: cb, face: "webpack" });
      },
      /** @param {Function} cb */
      addDisposeHandler(cb) {
        ctx.disposeHandlers.push({ fn: cb, face: "webpack" });
      },
      /** @param {Function} cb */
      removeDisposeHandler(cb) {
        const at = ctx.disposeHandlers.findIndex((h) => h.fn === cb);
        if (at >= 0) ctx.disposeHandlers.splice(at, 1);
      },
      invalidate() {
        ctx.host.invalidate(ctx.record, undefined, "webpack");
      },
      /** @param {boolean | object} [autoApply] */
      check(autoApply) {
        return status.check(autoApply);
      },
      /** @param {object} [options] */
      apply(options) {
        return status.apply(options);
      },
      /** @param {Function} [listener] */
      status(listener) {
        if (!listener) return status.current;
        status.addHandler(listener);
      },
      /** @param {Function} listener */
      addStatusHandler(listener) {
        status.addHandler(listener);
      },
      /** @param {Function} listener */
      removeStatusHandler(listener) {
        status.removeHandler(listener);
      },
    };
  }

  /** Whether this instance accepts an update of itself (either face, or acceptExports). */
  get acceptsSelf() {
    return this.selfAccepts.length > 0 || this.webpackSelfAccept !== false;
  }

  /** @param {string} depId */
  acceptsDep(depId) {
    return this.depAccepts.some((a) => a.ids.includes(depId));
  }
}
