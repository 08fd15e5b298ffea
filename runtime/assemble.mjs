// @ts-check
/**
 * Puts the runtime's layers together, top to bottom: `status` (webpack's update protocol,
 * staged code, check/apply) over `engine` (planning and applying one update at a time) over
 * `registry` (live module instances, ES modules and CommonJS). Each layer is handed what it
 * needs of the others as narrow collaborators; a module's hot context gets its `HotHost` here.
 */
import { Engine } from "./engine.mjs";
import { EventBus } from "./events.mjs";
import { HotContext } from "./hot-context.mjs";
import { StatusController } from "./status.mjs";

/**
 * @typedef {import("./engine.mjs").ChannelLike} ChannelLike
 * @typedef {import("./hot-context.mjs").HotHost} HotHost
 */

/**
 * @param {ChannelLike} channel
 * @param {{ restart?: boolean, manual?: boolean, exit?: (code: number) => void, signalOnRestart?: boolean,
 *   tellParent?: ReturnType<typeof import("./hot-hook.mjs").hotHookParent> }} [options]
 */
export function assemble(channel, options = {}) {
  const events = new EventBus();
  const engine = new Engine(channel, {
    events,
    restart: options.restart,
    exit: options.exit,
    signalOnRestart: options.signalOnRestart,
    tellParent: options.tellParent,
    // Called only when a module evaluates, after `host` below exists.
    createHot: (record) => new HotContext(record, host),
  });
  const status = new StatusController(engine, channel, { manual: options.manual });
  /** @type {HotHost} */
  const host = {
    events,
    send: (message) => channel.send(message),
    resolve: (record, specifier) => engine.registry.resolveSync(record, specifier),
    invalidate: (record, message, face) => status.invalidate(record, message, face),
    status,
  };
  return { events, engine, status, registry: engine.registry };
}
