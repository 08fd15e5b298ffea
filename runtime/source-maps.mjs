// @ts-check
/**
 * Node's own source maps of the app's modules: what node's echo of the line an uncaught error
 * threw at reads, and `module.findSourceMap(file)`. Node registers the map of code compiled from
 * a string (`eval`, `new Function`) under its `sourceURL`, not that of a `vm` script, which is
 * how modules are compiled (`ModuleRecord.compile`). A module's map is registered by compiling
 * its two closing comments (`sourceURL`, `sourceMappingURL`) with `new Function`, and only when
 * node needs it: before node reports an uncaught error, and when the app asks
 * `findSourceMap`. Registered eagerly, every module would cost a parse of its map at compile,
 * node would hold all of them, and a debugger would see a second, comment-only script under
 * every module's URL.
 */
import { Module, syncBuiltinESMExports } from "node:module";

/**
 * @typedef {import("./registry.mjs").Registry} Registry
 * @typedef {import("./module-record.mjs").ModuleRecord} ModuleRecord
 */

/** @type {WeakMap<ModuleRecord, string>} the code whose map node has, by module */
const registered = new WeakMap();

/** @param {Registry} registry */
export function serveSourceMaps(registry) {
  // Runs before node prints an uncaught error (or hands it to the app's handler): the line it
  // echoes is found through the map of the module it threw in.
  process.on("uncaughtExceptionMonitor", () => {
    for (const record of registry.records.values()) registerSourceMap(record);
  });
  const findSourceMap = Module.findSourceMap;
  /** @param {string} file a path or URL */
  Module.findSourceMap = function (file, ...rest) {
    const record = registry.records.get(file) ?? registry.byUrl.get(file);
    if (record) registerSourceMap(record);
    return findSourceMap.call(this, file, ...rest);
  };
  syncBuiltinESMExports();
}

/**
 * Registers the map of `record`'s current code with node, once per version.
 * @param {ModuleRecord} record
 */
export function registerSourceMap(record) {
  if (!record.compiled || registered.get(record) === record.code) return;
  registered.set(record, record.code);
  const comments = record.code.lastIndexOf("\n//# sourceURL=");
  if (comments === -1) return;
  try {
    new Function(record.code.slice(comments + 1));
  } catch {
    // Code generation from strings turned off (`--disallow-code-generation-from-strings`): the
    // echo shows the compiled line; the stack is mapped all the same (`stack.mjs`).
  }
}
