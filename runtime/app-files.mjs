// @ts-check
/**
 * Which files are the app's (hotnode serves them) and which node keeps (packages in
 * `node_modules`, hotnode's own runtime): shared by node-loaders.mjs and the hooks thread of
 * node-loaders-thread.mjs, which cannot reach the rest of the runtime.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

const NODE_MODULES = `${path.sep}node_modules${path.sep}`;

/**
 * `hooks`: whether the app registered module hooks of its own (`module.register`,
 * `registerHooks`). `beforePackages`: called before node loads a package for the app (hotnode's
 * hooks must be in place by then: a package may import app files; see node-loaders.mjs).
 */
export const appLoaders = { hooks: false, beforePackages: () => {} };

/** @param {string} runtimeDir @returns {(file: string) => boolean} */
export function appFiles(runtimeDir) {
  return (file) => !file.includes(NODE_MODULES) && !file.startsWith(runtimeDir + path.sep);
}

/** @param {string} file */
export function inNodeModules(file) {
  return file.includes(NODE_MODULES);
}

/**
 * The app file a specifier node found nothing at names, for hotnode to resolve as it resolves
 * the app's own imports (`./adonisrc.js` for `adonisrc.ts`, as TypeScript writes it); null
 * when node's error stands.
 * @param {unknown} err what node's resolution threw
 * @param {string} specifier
 * @param {string | undefined} parentURL
 * @param {(file: string) => boolean} isAppFile
 */
export function missingAppFile(err, specifier, parentURL, isAppFile) {
  if (/** @type {{ code?: string }} */ (err)?.code !== "ERR_MODULE_NOT_FOUND") return null;
  let file = null;
  if (specifier.startsWith("file:")) file = fileURLToPath(specifier);
  else if ((specifier.startsWith("./") || specifier.startsWith("../")) && parentURL?.startsWith("file:")) file = path.resolve(path.dirname(fileURLToPath(parentURL)), specifier);
  return file && isAppFile(file) ? file : null;
}

/**
 * Whether node's loader is loading an app file for an `import` (a `require` is served before
 * it gets there; a node that gives no conditions to `load` runs hooks for `import` only).
 * @param {string} url
 * @param {readonly string[] | undefined} conditions
 * @param {(file: string) => boolean} isAppFile
 */
export function wantsBridge(url, conditions, isAppFile) {
  return url.startsWith("file:") && !conditions?.includes("require") && isAppFile(fileURLToPath(url));
}

/** How a package asks whether it runs under hot-hook's loader (AdonisJS's container re-imports
 * a controller on each call then, so that an edit of it is served). */
const HOT_PRESENCE = ['"hot" in import.meta', "'hot' in import.meta"];

/**
 * What hot-hook's loader gives every module, packages too: an `import.meta.hot`. A package ES
 * module that asks for it gets one, without HMR of its own (a package is never replaced), put
 * on its first line so that its other lines keep their numbers. Any other module loads as node
 * loads it.
 * @param {string} url
 * @param {{ format?: string | null, source?: unknown }} loaded what node's own `load` gave
 */
export function withPackageHot(url, loaded) {
  const source = loaded.source;
  if (loaded.format !== "module" || !url.startsWith("file:") || !inNodeModules(url) || source == null) return loaded;
  const bytes = /** @type {string | Uint8Array} */ (source);
  const text = typeof bytes === "string" ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!HOT_PRESENCE.some((pattern) => text.includes(pattern))) return loaded;
  const code = text.toString();
  const hot = 'import.meta.hot = { boundary: { with: { hot: "true" } }, data: {}, accept() {}, dispose() {}, decline() {}, invalidate() {}, on() {}, off() {}, send() {} };';
  const shebang = code.startsWith("#!") ? code.indexOf("\n") + 1 : 0;
  return { ...loaded, source: shebang && shebang > 0 ? `${code.slice(0, shebang)}${hot}${code.slice(shebang)}` : `${hot}${code}` };
}
