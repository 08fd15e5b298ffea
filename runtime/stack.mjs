// @ts-check
/**
 * Stack traces as node prints them for the same program. App modules run as functions the
 * runtime compiles: positions are in the generated code, and what a refresh evaluated is eval
 * code (V8 names its anonymous functions `eval`). This formats every stack the way
 * node's default does (V8's frame format), except that a frame in an app module gets the
 * original file, line and column, its ES module file as a `file://` URL, and its names as the
 * language gives them; the runtime's own frames are left out.
 *
 * Installed as `Error.prepareStackTrace`, which node consults before its own formatting; an
 * app that sets its own replaces it, as it would replace node's. Node's source maps stay on:
 * they give the source line node prints above an uncaught error.
 */
import { SourceMap } from "node:module";
import { pathToFileURL } from "node:url";

/**
 * @typedef {import("./module-record.mjs").ModuleRecord} ModuleRecord
 * @typedef {(url: string) => ModuleRecord | undefined} ModuleByUrl  the app module compiled from `url`
 */

const IDENTIFIER = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u;
/** Lines before a module's code in its script (as `new Function` puts them; see `ModuleRecord.compile`). */
const HEADER_LINES = 2;
const errorToString = Error.prototype.toString;

/** @type {WeakMap<ModuleRecord, { code: string, map: SourceMap | null }>} each module's map, parsed at its first frame */
const maps = new WeakMap();

/**
 * @param {ModuleByUrl} moduleByUrl
 * @param {string} runtimeDir
 */
export function installStackTraces(moduleByUrl, runtimeDir) {
  const runtimeUrl = pathToFileURL(runtimeDir).href + "/";
  Error.prepareStackTrace = (error, callSites) => formatStack(error, callSites, moduleByUrl, runtimeUrl);
}

/**
 * @param {unknown} error
 * @param {NodeJS.CallSite[]} callSites
 * @param {ModuleByUrl} moduleByUrl
 * @param {string} runtimeUrl
 */
export function formatStack(error, callSites, moduleByUrl, runtimeUrl) {
  const header = errorToString.call(error);
  const isRuntime = (/** @type {NodeJS.CallSite | undefined} */ site) => (site?.getScriptNameOrSourceURL() ?? "").startsWith(runtimeUrl);
  /** @type {string[]} */
  const frames = [];
  // Below an ES module's top level node shows only its loader's frames (an importer does not
  // run its imports, the loader does), and the runtime's stand there here; below a CommonJS
  // module's top level come its requirer's frames, and node internals that are not the app's.
  /** @type {"esm" | "cjs" | null} */
  let below = null;
  for (let i = 0; i < callSites.length; i++) {
    const site = callSites[i];
    if (below === "esm") break;
    if (isRuntime(site)) continue;
    // The runtime drives a module's code as a generator.
    if (isGeneratorStep(site) && (i + 1 === callSites.length || isRuntime(callSites[i + 1]))) continue;
    if (below === "cjs" && (site.getScriptNameOrSourceURL() ?? "").startsWith("node:internal/")) continue;
    const frame = formatFrame(site, moduleByUrl);
    if (!frame) continue;
    below = frame.topLevel;
    frames.push(frame.text);
  }
  return frames.length ? `${header}\n    at ${frames.join("\n    at ")}` : header;
}

/** @param {NodeJS.CallSite} site */
function isGeneratorStep(site) {
  return site.getTypeName() === "Generator" && !site.getScriptNameOrSourceURL();
}

/**
 * @param {NodeJS.CallSite} site
 * @param {ModuleByUrl} moduleByUrl
 */
function formatFrame(site, moduleByUrl) {
  const url = site.getScriptNameOrSourceURL();
  const found = url ? moduleByUrl(url) : undefined;
  // A module's own script (`ModuleRecord.compile`), or code a refresh evaluated in it; not a
  // script node compiled from the same file itself.
  const record = found && (site.isEval() || site.getFileName() === found.scriptName()) ? found : undefined;
  const line = site.getLineNumber();
  const column = site.getColumnNumber();
  if (!record || line === null || column === null) return { text: `${site}`, topLevel: null };
  // An export's getter, which the transform wrote: not a frame of the app's (node reads a
  // binding without a call). Its receiver is the module's bindings, tagged "Module".
  if (site.getFunctionName() === "get" && site.getTypeName() === "Module" && site.getMethodName()) return null;
  const original = originalPosition(record, line, column);
  // Other code the transform wrote maps to nothing: not the app's either.
  if (!original) return null;
  const file = record.format === "esm" || record.format === "json" ? record.url : record.id;
  // In eval code V8 names an anonymous function (and the module's top level) `eval`: the
  // language gives it no name (a function cannot be named `eval` in strict code).
  const name = site.getFunctionName();
  // A function called through a module namespace: node's receiver is the namespace ("Module"),
  // hotnode's the Proxy that is one.
  const type = site.getTypeName() === "Proxy" && isExportOf(record, site.getMethodName() ?? name) ? "Module" : undefined;
  // The module's own function starts on the first line of what was compiled.
  /** @type {"esm" | "cjs" | null} */
  const topLevel = site.getEnclosingLineNumber() !== 1 ? null : record.format === "esm" ? "esm" : "cjs";
  return { text: describeCall(site, name === "eval" ? null : name, `${file}:${original.line}:${original.column}`, type), topLevel };
}

/** @param {ModuleRecord} record @param {string | null} name */
function isExportOf(record, name) {
  return name !== null && !!record.exports?.local.some(([exported]) => exported === name);
}

/**
 * V8's frame format, with `name` and `location` given.
 * @param {NodeJS.CallSite} site
 * @param {string | null} name
 * @param {string} location
 * @param {string} [typeName] in place of the receiver's
 */
function describeCall(site, name, location, typeName) {
  const prefix = site.isAsync() ? "async " : "";
  if (site.isPromiseAll()) return `${prefix}Promise.all (index ${site.getPromiseIndex()})`;
  let call;
  if (site.isConstructor()) call = `new ${name || "<anonymous>"}`;
  else if (!site.isToplevel()) {
    const type = typeName ?? site.getTypeName();
    const method = site.getMethodName();
    if (name) {
      // V8 puts the receiver's type before a plain name only: not before one inferred from an
      // assignment (`exports.handler`), which says where it is, nor a private one (`#inner`).
      call = type && IDENTIFIER.test(name) ? `${type}.${name}` : name;
      if (method && name !== method && !name.endsWith(`.${method}`)) call += ` [as ${method}]`;
    } else call = `${type ?? "<anonymous>"}.${method ?? "<anonymous>"}`;
  } else if (name) call = name;
  else return `${prefix}${location}`;
  return `${prefix}${call} (${location})`;
}

/**
 * Where a position of a module's compiled code was in its file (1-based), or null.
 * @param {ModuleRecord} record
 * @param {number} line
 * @param {number} column
 */
function originalPosition(record, line, column) {
  const map = sourceMapOf(record);
  if (!map) return null;
  const at = callStart(record.code, line, column);
  const entry = /** @type {{ generatedLine?: number, generatedColumn?: number, originalLine?: number, originalColumn?: number }} */ (
    map.findEntry(at.line - 1, at.column - 1)
  );
  if (entry.originalLine === undefined || entry.originalColumn === undefined) return null;
  return { line: entry.originalLine + 1, column: entry.originalColumn + 1 + unmappedRun(record, map, entry, at) };
}

/**
 * The code generator maps tokens, not every one (a private name, `this.` before it): a position
 * past the segment found, on its line, is as far past the segment's original place when the
 * text in between is the same in both.
 * @param {ModuleRecord} record
 * @param {SourceMap} map
 * @param {{ generatedLine?: number, generatedColumn?: number, originalLine?: number, originalColumn?: number }} entry
 * @param {{ line: number, column: number }} at
 */
function unmappedRun(record, map, entry, at) {
  if (entry.generatedLine !== at.line - 1 || entry.generatedColumn === undefined) return 0;
  const distance = at.column - 1 - entry.generatedColumn;
  const source = /** @type {{ sourcesContent?: string[] }} */ (map.payload).sourcesContent?.[0];
  const generated = lineOf(record.code, at.line - HEADER_LINES);
  if (distance <= 0 || source === undefined || generated === null || entry.originalLine === undefined || entry.originalColumn === undefined) return 0;
  const original = lineOf(source, entry.originalLine + 1);
  if (original === null) return 0;
  const between = generated.slice(entry.generatedColumn, at.column - 1);
  if (original.slice(entry.originalColumn, entry.originalColumn + distance) === between) return distance;
  // A property name after a renamed object (`ns.fail` written `__vite_ssr_import_2__.fail`):
  // the same name after a dot, further on in the original line.
  const name = /^[#\p{ID_Start}$_][\p{ID_Continue}$]*/u.exec(generated.slice(at.column - 1))?.[0];
  if (!name || generated[at.column - 2] !== ".") return 0;
  const found = original.indexOf(`.${name}`, entry.originalColumn);
  return found === -1 ? 0 : found + 1 - entry.originalColumn;
}

/**
 * V8 places a call of `(0, ns.f)(...)` (how the module form calls an imported function, so
 * that `this` is undefined) at its argument list, which maps past the name the source calls;
 * node places `f(...)` at `f`. This moves such a position to the callee.
 * @param {string} code
 * @param {number} line
 * @param {number} column
 */
function callStart(code, line, column) {
  const text = lineOf(code, line - HEADER_LINES);
  if (text === null || text[column - 1] !== "(" || text[column - 2] !== ")") return { line, column };
  let depth = 0;
  for (let i = column - 2; i >= 0; i--) {
    if (text[i] === ")") depth++;
    else if (text[i] === "(" && --depth === 0) {
      return text.startsWith("0, ", i + 1) ? { line, column: i + 5 } : { line, column };
    }
  }
  return { line, column };
}

/** @param {string} code @param {number} line 1-based */
function lineOf(code, line) {
  let start = 0;
  for (let n = 1; n < line; n++) {
    start = code.indexOf("\n", start) + 1;
    if (start === 0) return null;
  }
  const end = code.indexOf("\n", start);
  return code.slice(start, end === -1 ? undefined : end);
}

/** @param {ModuleRecord} record */
function sourceMapOf(record) {
  const cached = maps.get(record);
  if (cached && cached.code === record.code) return cached.map;
  let map = null;
  const found = /\/\/# sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)\s*$/.exec(record.code);
  if (found) {
    try {
      map = new SourceMap(JSON.parse(Buffer.from(found[1], "base64").toString("utf8")));
    } catch {
      map = null;
    }
  }
  maps.set(record, { code: record.code, map });
  return map;
}
