// @ts-check
/**
 * `module.createRequire(file)` as the app's modules get it: node's own require, except that an
 * app module it reaches is hotnode's one instance of it (the one `import` and the module's own
 * `require` give, updated by saves), with an edge from `file`'s module so an update of it reaches
 * that module. Without this, `createRequire(import.meta.url)("./lib.cjs")` loaded a second copy
 * through node's loader that hotnode never updated. A file hotnode has not loaded, or a `file`
 * that is not an app module, goes to node's require as before.
 */
import { Module, isBuiltin, syncBuiltinESMExports } from "node:module";
import { fileURLToPath } from "node:url";
import { appLoaders } from "./app-files.mjs";

/**
 * @typedef {import("./registry.mjs").Registry} Registry
 */

/** node's own `createRequire`, taken before the runtime replaces it: the runtime's requires. */
export const nodeCreateRequire = Module.createRequire;

/** @param {Registry} registry */
export function serveCreateRequire(registry) {
  /** @param {string | URL} file */
  function createRequire(file) {
    const nodeRequire = nodeCreateRequire(file);
    const path = file instanceof URL || `${file}`.startsWith("file:") ? fileURLToPath(file) : `${file}`;
    /** @param {string} id */
    function require(id) {
      const owner = registry.records.get(path);
      const dep = owner && typeof id === "string" && !isBuiltin(id) ? registry.computedDep(owner, id, nodeRequire) : null;
      if (owner && dep) return registry.commonjs.requireFor(owner, dep);
      if (typeof id === "string" && !isBuiltin(id)) appLoaders.beforePackages();
      const value = nodeRequire(id);
      if (typeof id === "string") registry.noteLoadedByNode(nodeRequire, id, "a require made with createRequire()");
      return value;
    }
    return Object.assign(require, { resolve: nodeRequire.resolve, cache: nodeRequire.cache, main: nodeRequire.main, extensions: nodeRequire.extensions });
  }
  Module.createRequire = createRequire;
  syncBuiltinESMExports();
}
