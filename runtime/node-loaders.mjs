// @ts-check
/**
 * Node's own loaders hand app files to hotnode. Code hotnode does not run (a package in
 * `node_modules`: @fastify/autoload, AdonisJS's config loader, an ORM's entity glob) reaches
 * app files through node's `require` and `import()`; each of those gets hotnode's one hot
 * instance of the file, transformed as hotnode transforms it (TypeScript included), instead of
 * a second copy node loads on its own and no save ever reaches.
 *
 * - `require()` from a package: `Module._load` sees the request before node's cache does, so
 *   each call gets the current instance (node's way of letting a loader in; `registerHooks`
 *   would hand node a copy of the exports to cache).
 * - `import` from a package: a module hook's `load` answers an app file's URL with a small
 *   *bridge* module that re-exports hotnode's instance and is told its new values after every
 *   update. Where the node has `module.registerHooks` (22.15+, 24) the hook runs in this thread
 *   and asks hotnode synchronously; elsewhere (20) `module.register` runs it in node's hooks
 *   thread, which asks this thread over a port.
 *
 * An export the module changes later by assignment (not by an update) is seen through a bridge
 * as it was at the end of the last evaluation: a bridge's bindings are its own.
 */
import module, { Module, isBuiltin, syncBuiltinESMExports } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { MessageChannel } from "node:worker_threads";
import { appFiles, appLoaders, inNodeModules, missingAppFile, wantsBridge, withPackageHot } from "./app-files.mjs";
import { checkDynamicAttributes } from "./attributes.mjs";
import { isCommonJs } from "./module-record.mjs";

/**
 * @typedef {import("./registry.mjs").Registry} Registry
 * @typedef {import("./module-record.mjs").ModuleRecord} ModuleRecord
 * @typedef {import("./protocol.mjs").Target} Target
 */

const BRIDGE = Symbol.for("hotnode.bridge");
const nodeRegister = module.register;
const CJS_NAMES_MODULE_EXPORTS = Number(process.versions.node.split(".")[0]) >= 23;

/**
 * @param {Registry} registry
 * @param {string} runtimeDir hotnode's own files, which node loads itself
 */
export function serveNodeLoaders(registry, runtimeDir) {
  sayTypeScriptLoads();
  const isAppFile = appFiles(runtimeDir);
  serveRequire(registry, isAppFile);
  Object.defineProperty(globalThis, BRIDGE, { value: { open: (/** @type {string} */ id, /** @type {(b: any) => void} */ set) => openBridge(registry, id, set) } });
  // Not in the @types/node the runtime is checked against (it came in 22.15).
  const registerHooks = /** @type {any} */ (module).registerHooks;
  if (typeof registerHooks === "function") {
    registerHooks({
      /** @param {string} specifier @param {{ parentURL?: string }} context @param {(specifier: string, context: object) => object} nextResolve */
      resolve(specifier, context, nextResolve) {
        try {
          return nextResolve(specifier, context);
        } catch (err) {
          const file = missingAppFile(err, specifier, context.parentURL, isAppFile);
          const target = file ? registry.fetchSync(file, null) : null;
          if (target && "id" in target) return { url: pathToFileURL(target.id).href, shortCircuit: true };
          throw err;
        }
      },
      /** @param {string} url @param {{ conditions?: string[], importAttributes?: object }} context @param {(url: string, context: object) => object} nextLoad */
      load(url, context, nextLoad) {
        if (!wantsBridge(url, context.conditions, isAppFile)) return withPackageHot(url, nextLoad(url, context));
        const source = bridgeSource(registry, registry.fetchSync(fileURLToPath(url), null), context.importAttributes);
        return source === null ? nextLoad(url, context) : { format: "module", source, shortCircuit: true };
      },
    });
  } else if (typeof module.register === "function") {
    // Node's hooks thread costs ~25 ms to start (Node 20): started before the first package
    // loads, which is the first code that could import an app file through node.
    appLoaders.beforePackages = () => {
      appLoaders.beforePackages = () => {};
      registerInHooksThread(registry, runtimeDir);
    };
  }
  noticeAppHooks();
}

/**
 * The hooks where node runs them in a thread of their own (`module.register`): that thread asks
 * this one, which holds the modules, over a port.
 * @param {Registry} registry
 * @param {string} runtimeDir
 */
function registerInHooksThread(registry, runtimeDir) {
  const { port1, port2 } = new MessageChannel();
  port1.on("message", async (/** @type {{ id: number, url?: string, file?: string, attributes?: object }} */ { id, url, file, attributes }) => {
    try {
      if (file) {
        const target = await registry.fetch(file, null);
        port1.postMessage({ id, url: "id" in target ? pathToFileURL(target.id).href : null });
      } else port1.postMessage({ id, source: bridgeSource(registry, await registry.fetch(fileURLToPath(/** @type {string} */ (url)), null), attributes) });
    } catch (err) {
      // Node's error as node throws it: its class, message and code.
      const { name, message, code } = /** @type {any} */ (err instanceof Error ? err : new Error(String(err)));
      port1.postMessage({ id, error: { name, message, code } });
    }
  });
  port1.unref();
  // node's own, as it was before `noticeAppHooks` wrapped it: this registration is hotnode's.
  nodeRegister(new URL("./node-loaders-thread.mjs", import.meta.url), { data: { port: port2, runtimeDir }, transferList: [port2] });
}

/**
 * Hooks the app registers run before hotnode's (the last registered runs first): they see
 * every module node loads, app files included (hotnode's hook answers what they pass on).
 * The runtime notes that they exist: an import hotnode finds nothing for may be theirs.
 */
function noticeAppHooks() {
  const target = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (module));
  for (const name of ["register", "registerHooks"]) {
    const original = target[name];
    if (typeof original !== "function") continue;
    target[name] = function (/** @type {unknown[]} */ ...args) {
      appLoaders.hooks = true;
      return original.apply(this, args);
    };
  }
  syncBuiltinESMExports();
}

/**
 * Every loader of this process loads TypeScript now: said where node says whether it does
 * (`process.features.typescript`, which libraries read before they import a `.ts` file, e.g.
 * @fastify/autoload), as node 22 says it under `--experimental-transform-types`. A node that
 * strips types on its own (24) keeps its word.
 */
function sayTypeScriptLoads() {
  const features = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (process.features));
  if (features.typescript) return;
  Object.defineProperty(features, "typescript", { value: "transform", enumerable: true, configurable: true, writable: false });
}

/**
 * `require()` of an app file by a package: hotnode's instance.
 * @param {Registry} registry
 * @param {(file: string) => boolean} isAppFile
 */
function serveRequire(registry, isAppFile) {
  const load = /** @type {any} */ (Module)._load;
  /** @this {unknown} @param {unknown} request @param {Module | undefined} parent @param {boolean} isMain */
  function _load(request, parent, isMain) {
    const from = parent?.filename;
    if (!isMain && typeof request === "string" && from && inNodeModules(from) && !isBuiltin(request)) {
      const file = request.startsWith("file:") ? fileURLToPath(request) : path.isAbsolute(request) || request.startsWith(".") ? path.resolve(path.dirname(from), request) : null;
      const target = file && isAppFile(file) ? registry.fetchSync(file, null) : null;
      const dep = target && "id" in target ? registry.records.get(target.id) : undefined;
      if (dep) return registry.commonjs.requireFromNode(dep, from);
    }
    return load.apply(this, arguments);
  }
  /** @type {any} */ (Module)._load = _load;
}

/**
 * The bridge module of an app module hotnode sent: its exports, set by hotnode now and after
 * each update. Null when hotnode has no module there (node's loader then says why).
 * @param {Registry} registry
 * @param {Target | null} target
 * @param {object | undefined} attributes the import's `with`, checked as node checks them
 * @returns {string | null}
 */
export function bridgeSource(registry, target, attributes) {
  if (!target || "external" in target) return null;
  if ("error" in target) {
    if (target.kind === "not-found") return null;
    throw new Error(target.error);
  }
  const record = registry.records.get(target.id);
  if (!record) return null;
  checkDynamicAttributes({ with: attributes }, record);
  // A CommonJS module's names are what it exports once it ran (node reads them off its source).
  if (isCommonJs(record) && record.state === "new") registry.commonjs.load(record);
  // Node 23 and later also name the whole `module.exports` so.
  const whole = CJS_NAMES_MODULE_EXPORTS ? ["module.exports"] : [];
  const names = isCommonJs(record) ? ["default", ...whole, ...Object.keys(/** @type {any} */ (record.bindings).default ?? {})] : registry.namesOf(record);
  const unique = [...new Set(names)];
  const locals = unique.map((_, i) => `$${i}`);
  return [
    `let ${["$ready", ...locals].join(", ")};`,
    unique.length ? `export { ${unique.map((name, i) => `${locals[i]} as ${JSON.stringify(name)}`).join(", ")} };` : "export {};",
    `$ready = globalThis[Symbol.for("hotnode.bridge")].open(${JSON.stringify(record.id)}, (b) => { ${unique.map((name, i) => `${locals[i]} = b[${JSON.stringify(name)}];`).join(" ")} });`,
    "if ($ready) await $ready;",
  ].join("\n");
}

/**
 * Evaluates a bridged module if it has not been, and sets the bridge's bindings now and after
 * each update of it. Returns the promise of an evaluation under way, else null.
 * @param {Registry} registry
 * @param {string} id
 * @param {(bindings: any) => void} set
 */
function openBridge(registry, id, set) {
  const record = /** @type {ModuleRecord} */ (registry.records.get(id));
  /** @returns {any} */
  const view = () => {
    if (!isCommonJs(record)) return record.bindings;
    const exports = /** @type {any} */ (record.bindings).default;
    return { ...exports, default: exports, "module.exports": exports };
  };
  const update = () => set(view());
  record.servedToNode = true;
  (record.bridges ??= new Set()).add(update);
  const running = registry.evaluateNow(record, new Set());
  if (!running) {
    update();
    return null;
  }
  return running.then(update);
}
