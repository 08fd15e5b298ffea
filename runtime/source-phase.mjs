// @ts-check
/**
 * The source phase (`import source x from`, `import.source()`), as the running node has it:
 * Node 24 parses it and has no source phase for a JavaScript module (nor for any module
 * without `--experimental-wasm-modules`); Node 20 and 22 do not parse it. The transform takes
 * it out of the module (see `import_phase.rs`) and this answers for it.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { nodeError } from "./errors.mjs";
import { isPath, resolveAsNode } from "./resolve-url.mjs";

/** Whether V8 here parses `import.source(...)`. */
export const HAS_SOURCE_PHASE = (() => {
  try {
    new Function("import.source('')");
    return true;
  } catch {
    return false;
  }
})();

/** @param {string} url the module's */
export function noSourcePhase(url) {
  return new SyntaxError(`Source phase import object is not defined for module '${url}'`);
}

/**
 * `import.source(specifier)` in the module at `url`: the specifier is converted to a string
 * (a throw rejects), resolved as an import, and the answer is the rejection node gives.
 * @param {unknown} specifier
 * @param {string} url
 */
export async function importSource(specifier, url) {
  const name = `${specifier}`;
  const resolved = resolveUrl(name, url);
  // Node finds that out after loading the module: later than a specifier that does not convert.
  await new Promise((resolve) => setImmediate(resolve));
  throw noSourcePhase(resolved);
}

/**
 * The module `specifier` names from `url`, which must be there (node loads it before it finds
 * that it has no source phase).
 * @param {string} specifier
 * @param {string} url the importer's
 */
function resolveUrl(specifier, url) {
  const resolved = resolveAsNode(specifier, url);
  if ((isPath(specifier) || specifier.startsWith("file:")) && !existsSync(new URL(resolved))) {
    throw nodeError(Error, "ERR_MODULE_NOT_FOUND", `Cannot find module '${fileURLToPath(resolved)}' imported from ${fileURLToPath(url)}`);
  }
  return resolved;
}
