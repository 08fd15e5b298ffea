// @ts-check
/**
 * The link-time check node's loader makes before any module of a graph runs: every name a
 * module imports (or re-exports by name) from an ES module must be exported by it, found as
 * the language's `ResolveExport` finds it (its own exports, names it re-exports, then its
 * `export *` sources, where two different bindings of one name are ambiguous). A module whose
 * exports are not declared (CommonJS, a package node loads, a file that failed to load) can
 * provide any name: nothing is checked against it.
 */
import { checkStaticAttributes } from "./attributes.mjs";
import { pathToFileURL } from "node:url";
import { appLoaders } from "./app-files.mjs";
import { loadError } from "./errors.mjs";
import { HAS_SOURCE_PHASE, noSourcePhase } from "./source-phase.mjs";

/**
 * @typedef {import("./module-record.mjs").ModuleRecord} ModuleRecord
 * @typedef {{ module: string, binding: string }} Binding
 */

export const ANY = /** @type {const} */ ("any");
const AMBIGUOUS = /** @type {const} */ ("ambiguous");

/**
 * Checks the imports of `root` and of every module it loads statically that is not evaluated
 * or checked yet (each module is checked once per version: `linked`). Throws node's
 * SyntaxError for the first name that does not resolve.
 * @param {ModuleRecord} root
 * @param {Map<string, ModuleRecord>} records
 */
export function checkLinks(root, records) {
  const queue = checkGraph([root], records);
  for (const record of queue) record.linked = true;
}

/**
 * The same check for an update, before anything of it is disposed: the imports of every
 * module it re-evaluates (and of modules they load for the first time), and the imports from
 * them of live importers it does not re-evaluate (those that accept the change keep importing
 * its names). Throws node's SyntaxError for the first name that does not resolve, with the
 * module whose import it is.
 * @param {ModuleRecord[]} replaced
 * @param {Map<string, ModuleRecord>} records
 */
export function checkUpdateLinks(replaced, records) {
  const replacing = new Set(replaced);
  checkGraph(replaced, records);
  for (const record of replaced) {
    for (const importer of record.importers) if (!replacing.has(importer)) checkImports(importer, records, record);
  }
}

/**
 * Checks the imports of `roots` and of the modules not evaluated or checked yet that they load;
 * returns the modules checked.
 * @param {ModuleRecord[]} roots
 * @param {Map<string, ModuleRecord>} records
 */
function checkGraph(roots, records) {
  const seen = new Set(roots);
  const queue = [...roots];
  // As node loads a whole graph before it links it, an import that names nothing anywhere in it
  // fails before a name that does not link.
  for (let i = 0; i < queue.length; i++) {
    const record = queue[i];
    for (const specifier of Object.keys(record.names)) {
      const target = record.deps[specifier];
      // Node's to try when it is imported (`Registry.throughAppHooks`): a URL of another scheme,
      // anything once the app has module hooks.
      if (target && "error" in target && !(target.kind === "not-found" && (appLoaders.hooks || /^[a-z][a-z0-9+.-]*:/i.test(specifier)))) {
        throw loadError(target);
      }
      const dep = targetOf(record, specifier, records);
      if (dep && dep.state === "new" && !dep.linked && !seen.has(dep)) {
        seen.add(dep);
        queue.push(dep);
      }
    }
  }
  for (const record of queue) checkImports(record, records);
  return queue;
}

/**
 * Checks every name `record` imports (from `only`, if given); returns the modules it imports.
 * @param {ModuleRecord} record
 * @param {Map<string, ModuleRecord>} records
 * @param {ModuleRecord} [only]
 */
function checkImports(record, records, only) {
  if (record.sourcePhase && !only) checkSourcePhase(record, record.sourcePhase);
  const targets = [];
  for (const [specifier, names] of Object.entries(record.names)) {
    const target = targetOf(record, specifier, records);
    if (!target || (only && target !== only)) continue;
    targets.push(target);
    checkStaticAttributes(record, specifier, target);
    for (const name of names) {
      if (name === "*") continue;
      const found = resolveExport(target, name, records, new Set());
      if (found === null) throw linkError(record, `The requested module '${specifier}' does not provide an export named '${name}'`);
      if (found === AMBIGUOUS) {
        throw linkError(record, `The requested module '${specifier}' contains conflicting star exports for name '${name}'`);
      }
    }
  }
  return targets;
}

/** Bumped whenever a module's code (so perhaps its exports) changes: names computed before are stale. */
let exportsEpoch = 0;
export function exportsChanged() {
  exportsEpoch++;
}

/** @type {WeakMap<ModuleRecord, { epoch: number, names: readonly string[] }>} */
const namesCache = new WeakMap();

/**
 * The names of a module's namespace, sorted: the language's GetExportedNames, less the names
 * that resolve to nothing or ambiguously (two `export *` sources with different bindings).
 * A module whose exports are not declared (CommonJS) has the keys of its namespace so far.
 * The result is the same array while nothing changed (a namespace compares it by identity).
 * @param {ModuleRecord} record
 * @param {Map<string, ModuleRecord>} records
 * @returns {readonly string[]}
 */
export function exportedNames(record, records) {
  const cached = namesCache.get(record);
  if (cached && cached.epoch === exportsEpoch) return cached.names;
  const dynamic = { found: false };
  const names = [...new Set(collectNames(record, records, new Set(), dynamic))]
    .filter((name) => {
      const found = resolveExport(record, name, records, new Set());
      return found !== null && found !== AMBIGUOUS;
    })
    .sort();
  const same = cached && cached.names.length === names.length && cached.names.every((name, i) => name === names[i]);
  const result = same ? cached.names : Object.freeze(names);
  // Names read off a CommonJS module's exports can grow as it runs: computed again each time.
  namesCache.set(record, { epoch: dynamic.found ? -1 : exportsEpoch, names: result });
  return result;
}

/**
 * Where a module's export `name` is read from: a name of another module's bindings, that
 * module's namespace, or (ANY) wherever the module it comes through has it (a CommonJS
 * source); null if it resolves to nothing or ambiguously. `export *` reads each name from the
 * module that binds it, never through a chain of re-exports (which a cycle would make endless).
 * @param {ModuleRecord} record
 * @param {string} name
 * @param {Map<string, ModuleRecord>} records
 * @returns {{ module: ModuleRecord, name: string } | { namespaceOf: ModuleRecord } | typeof ANY | null}
 */
export function bindingOf(record, name, records) {
  const found = resolveExport(record, name, records, new Set());
  if (found === null || found === AMBIGUOUS || found === ANY) return found === ANY ? ANY : null;
  const module = records.get(found.module);
  if (!module) return null;
  if (found.binding === "*namespace*") return { namespaceOf: module };
  const exported = module.exports?.local.find(([, local]) => local === found.binding)?.[0];
  return exported === undefined ? null : { module, name: exported };
}

/**
 * GetExportedNames: own and re-exported names, then those of `export *` sources but `default`.
 * @param {ModuleRecord} record
 * @param {Map<string, ModuleRecord>} records
 * @param {Set<ModuleRecord>} visited
 * @param {{ found: boolean }} dynamic set when a module without declared exports was met
 * @returns {string[]}
 */
function collectNames(record, records, visited, dynamic) {
  if (visited.has(record)) return [];
  visited.add(record);
  const exports = record.exports;
  if (!exports) {
    dynamic.found = true;
    return Object.keys(record.bindings);
  }
  const names = [...exports.local.map(([name]) => name), ...exports.indirect.map(([name]) => name)];
  for (const specifier of exports.stars) {
    const target = targetOf(record, specifier, records);
    if (!target) continue;
    for (const name of collectNames(target, records, visited, dynamic)) if (name !== "default") names.push(name);
  }
  return names;
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
 * The source phase fails as the running node fails it: not parsed (Node 20, 22), or no source
 * phase for the module imported that way (Node 24).
 * @param {ModuleRecord} record
 * @param {{ unsupported: string, imports: string[] }} phase
 */
function checkSourcePhase(record, phase) {
  if (!HAS_SOURCE_PHASE) {
    const err = loadError({ error: phase.unsupported, kind: "syntax" });
    err.stack = `SyntaxError: ${phase.unsupported}\n    at ${record.url}`;
    throw err;
  }
  for (const specifier of phase.imports) {
    const target = record.deps[specifier];
    if (!target) continue;
    if ("error" in target) throw loadError(target);
    throw noSourcePhase("id" in target ? pathToFileURL(target.id).href : target.external);
  }
}

/**
 * @param {ModuleRecord} importer
 * @param {string} message
 */
function linkError(importer, message) {
  const err = loadError({ error: message, kind: "syntax" });
  err.stack = `SyntaxError: ${message}\n    at ${importer.url}`;
  failedImporters.set(err, importer);
  return err;
}

/** @type {WeakMap<object, ModuleRecord>} a link error -> the module whose import failed */
const failedImporters = new WeakMap();

/** The module whose import a link error is about. @param {unknown} err */
export function importerOf(err) {
  return err !== null && typeof err === "object" ? failedImporters.get(err) ?? null : null;
}
