// @ts-check
/**
 * The link-time check node's loader makes before any module of a graph runs: every name a
 * module imports (or re-exports by name) from an ES module must be exported by it, found as
 * the language's `ResolveExport` finds it (its own exports, names it re-exports, then its
 * `export *` sources, where two different bindings of one name are ambiguous). A module whose
 * exports are not declared (CommonJS, a package node loads, a file that failed to load) can
 * provide any name: nothing is checked against it.
 */
import { loadError } from "./errors.mjs";

/**
 * @typedef {import("./module-record.mjs").ModuleRecord} ModuleRecord
 * @typedef {{ module: string, binding: string }} Binding
 */

const ANY = /** @type {const} */ ("any");
const AMBIGUOUS = /** @type {const} */ ("ambiguous");

/**
 * Checks the imports of `root` and of every module it loads statically that is not evaluated
 * or checked yet (each module is checked once per version: `linked`). Throws node's
 * SyntaxError for the first name that does not resolve.
 * @param {ModuleRecord} root
 * @param {Map<string, ModuleRecord>} records
 */
export function checkLinks(root, records) {
  const seen = new Set([root]);
  const queue = [root];
  for (let i = 0; i < queue.length; i++) {
    const record = queue[i];
    for (const [specifier, names] of Object.entries(record.names)) {
      const target = targetOf(record, specifier, records);
      if (!target) continue;
      if (target.state === "new" && !target.linked && !seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
      for (const name of names) {
        if (name === "*") continue;
        const found = resolveExport(target, name, records, new Set());
        if (found === null) throw linkError(record, `The requested module '${specifier}' does not provide an export named '${name}'`);
        if (found === AMBIGUOUS) {
          throw linkError(record, `The requested module '${specifier}' contains conflicting star exports for name '${name}'`);
        }
      }
    }
  }
  for (const record of queue) record.linked = true;
}

/**
 * @param {ModuleRecord} record
 * @param {string} specifier
 * @param {Map<string, ModuleRecord>} records
 */
function targetOf(record, specifier, records) {
  const target = record.deps[specifier];
  return target && "id" in target ? records.get(target.id) ?? null : null;
}

/**
 * The language's ResolveExport: the binding `name` stands for, null if there is none, or
 * ambiguous; ANY where a module's exports are not declared.
 * @param {ModuleRecord} record
 * @param {string} name
 * @param {Map<string, ModuleRecord>} records
 * @param {Set<string>} resolving (module, name) pairs on the way: a cycle resolves to nothing
 * @returns {Binding | null | typeof ANY | typeof AMBIGUOUS}
 */
function resolveExport(record, name, records, resolving) {
  const exports = record.exports;
  if (!exports) return ANY;
  const key = `${record.id}\0${name}`;
  if (resolving.has(key)) return null;
  resolving.add(key);
  for (const [exported, local] of exports.local) if (exported === name) return { module: record.id, binding: local };
  for (const [exported, specifier, imported] of exports.indirect) {
    if (exported !== name) continue;
    const target = targetOf(record, specifier, records);
    if (!target) return ANY;
    if (imported === "*") return { module: target.id, binding: "*namespace*" };
    return resolveExport(target, imported, records, resolving);
  }
  if (name === "default") return null;
  /** @type {Binding | null | typeof ANY} */
  let star = null;
  for (const specifier of exports.stars) {
    const target = targetOf(record, specifier, records);
    const found = target ? resolveExport(target, name, records, resolving) : ANY;
    if (found === AMBIGUOUS) return AMBIGUOUS;
    if (found === null) continue;
    if (star === null || star === ANY) star = found;
    else if (found !== ANY && (found.module !== star.module || found.binding !== star.binding)) return AMBIGUOUS;
  }
  return star;
}

/**
 * @param {ModuleRecord} importer
 * @param {string} message
 */
function linkError(importer, message) {
  const err = loadError({ error: message, kind: "syntax" });
  err.stack = `SyntaxError: ${message}\n    at ${importer.url}`;
  return err;
}
