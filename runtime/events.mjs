// @ts-check
/**
 * One bus for `import.meta.hot.on/off` across the process: `vite:*` events reach every
 * listener, whichever module registered it. Each listener remembers the hot context that
 * registered it, so a replaced or pruned instance's listeners go with it.
 */
export class EventBus {
  constructor() {
    /** @type {Map<string, Array<{ fn: Function, owner: object }>>} */
    this.listeners = new Map();
  }

  /** @param {string} event @param {Function} fn @param {object} owner */
  on(event, fn, owner) {
    let list = this.listeners.get(event);
    if (!list) this.listeners.set(event, (list = []));
    list.push({ fn, owner });
  }

  /** @param {string} event @param {Function} fn */
  off(event, fn) {
    const list = this.listeners.get(event);
    if (!list) return;
    const at = list.findIndex((l) => l.fn === fn);
    if (at !== -1) list.splice(at, 1);
  }

  /** @param {object} owner */
  removeOwner(owner) {
    for (const [event, list] of this.listeners) {
      const kept = list.filter((l) => l.owner !== owner);
      if (kept.length) this.listeners.set(event, kept);
      else this.listeners.delete(event);
    }
  }

  /**
   * Calls every listener in registration order and awaits them; a throwing listener is
   * reported and does not stop the others.
   * @param {string} event
   * @param {...unknown} args
   */
  async emit(event, ...args) {
    const list = this.listeners.get(event);
    if (!list) return;
    for (const { fn } of [...list]) {
      try {
        await fn(...args);
      } catch (err) {
        console.error(`[hot] a listener of ${event} threw:`, err);
      }
    }
  }
}
