// @ts-check
/**
 * `import.meta.hot` for one instance of one module: Vite's API with dynohot's extensions.
 * Registrations only take effect for updates once the instance has evaluated successfully;
 * until then the previous instance's registrations stay the live ones.
 */

/**
 * @typedef {import("./registry.mjs").ModuleRecord} ModuleRecord
 * @typedef {import("./engine.mjs").Engine} Engine
 * @typedef {{ ids: string[], single: boolean, cb: Function | undefined }} DepAccept
 */

export class HotContext {
  /** @param {ModuleRecord} record @param {Engine} engine */
  constructor(record, engine) {
    this.record = record;
    this.engine = engine;
    /** @type {Array<Function | undefined>} */
    this.selfAccepts = [];
    /** @type {DepAccept[]} */
    this.depAccepts = [];
    /** @type {{ names: string[], cb: Function | undefined } | null} */
    this.exportsAccept = null;
    /** @type {Function[]} */
    this.disposeHandlers = [];
    /** @type {Function[]} */
    this.pruneHandlers = [];
    this.declined = false;
    this.disposed = false;
    this.api = this.createApi();
  }

  /** @param {string} specifier */
  resolveId(specifier) {
    return this.engine.registry.resolveSync(this.record, specifier);
  }

  createApi() {
    const ctx = this;
    const engine = this.engine;
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
          ctx.depAccepts.push({ ids: [ctx.resolveId(deps)], single: true, cb });
        } else if (Array.isArray(deps)) {
          ctx.depAccepts.push({ ids: deps.map((d) => ctx.resolveId(d)), single: false, cb });
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
        ctx.disposeHandlers.push(cb);
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
        engine.invalidate(ctx.record, message);
      },
      /** @param {string} event @param {Function} fn */
      on(event, fn) {
        engine.events.on(event, fn, ctx);
        return () => engine.events.off(event, fn);
      },
      /** @param {string} event @param {Function} fn */
      off(event, fn) {
        engine.events.off(event, fn);
      },
      /** @param {string} event @param {unknown} [data] */
      send(event, data) {
        engine.send({ type: "custom", event, data });
      },
    };
  }

  /** Whether this instance accepts an update of itself (accept(), accept(cb), acceptExports). */
  get acceptsSelf() {
    return this.selfAccepts.length > 0;
  }

  /** @param {string} depId */
  acceptsDep(depId) {
    return this.depAccepts.some((a) => a.ids.includes(depId));
  }
}
