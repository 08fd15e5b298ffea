// @ts-check
/**
 * A specifier resolved as node's import resolution answers it, where hotnode has not resolved
 * it in advance (a computed specifier): a builtin as `node:name`, a path as its URL (whether the
 * file is there or not, as `import.meta.resolve` does), a package by node's resolution (its
 * require conditions: the one place this can differ from node's import), else node's
 * ERR_MODULE_NOT_FOUND.
 */
import { isBuiltin } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { nodeCreateRequire } from "./create-require.mjs";
import { nodeError } from "./errors.mjs";

/**
 * @param {string} specifier
 * @param {string} importerUrl
 */
export function resolveAsNode(specifier, importerUrl) {
  if (isBuiltin(specifier)) return specifier.startsWith("node:") ? specifier : `node:${specifier}`;
  if (specifier.startsWith("file:")) return new URL(specifier).href;
  if (isPath(specifier)) return new URL(specifier, importerUrl).href;
  const importer = fileURLToPath(importerUrl);
  try {
    return pathToFileURL(nodeCreateRequire(importer).resolve(specifier)).href;
  } catch {
    throw nodeError(Error, "ERR_MODULE_NOT_FOUND", `Cannot find package '${specifier}' imported from ${importer}`);
  }
}

/** A relative or absolute path (not a bare specifier, not a URL). @param {string} specifier */
export function isPath(specifier) {
  return /^\.{0,2}\//.test(specifier);
}
