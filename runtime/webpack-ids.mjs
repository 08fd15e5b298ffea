// @ts-check
/**
 * webpack's names for modules, for everything the webpack face shows (`check()`'s and
 * `apply()`'s results, the effect objects of `apply()`'s options, error handlers' arguments,
 * abort messages, an ES module's `module.id`): webpack's named ids in development, the path
 * relative to its `context` (the working folder by default; here the one hotnode was started
 * in), `./`-prefixed: `./src/a.js`, `../shared/b.js`. Modules stay keyed by absolute path
 * inside the runtime; only what the app sees is named this way.
 */
import path from "node:path";

/** The working folder at the start (node inherits hotnode's), before the app may chdir. */
export const webpackContext = { dir: process.cwd() };

/** @param {string} id an absolute path (anything else is returned as it is) */
export function webpackId(id) {
  if (!path.isAbsolute(id)) return id;
  const relative = path.relative(webpackContext.dir, id);
  return relative.startsWith("../") || relative === ".." ? relative : `./${relative}`;
}
