// @ts-check
/**
 * Import attributes, checked as the node running the app checks them before any module of a
 * graph runs: `type` is the one attribute there is, a JSON module must be imported with
 * `{ type: "json" }` and nothing else with it, and the removed `assert` keyword is a syntax
 * error where V8 dropped it (Node 22 on). The codes and words are that node's.
 */
import { nodeError } from "./errors.mjs";

/**
 * @typedef {import("./module-record.mjs").ModuleRecord} ModuleRecord
 * @typedef {import("./protocol.mjs").ImportAttributes} ImportAttributes
 */

const MAJOR = Number(process.versions.node.split(".")[0]);
/** Node 20 still calls them assertions (its codes and words). */
const ASSERTIONS = MAJOR < 22;
/** @type {ImportAttributes} */
const NONE = { entries: [] };

/**
 * Checks what `importer` imports from `target` with each declaration of `specifier`.
 * @param {ModuleRecord} importer
 * @param {string} specifier
 * @param {ModuleRecord} target
 */
export function checkStaticAttributes(importer, specifier, target) {
  if (importer.format !== "esm") return;
  for (const clause of importer.attributes[specifier] ?? [NONE]) {
    if (clause.assert && !ASSERTIONS) {
      throw Object.assign(new SyntaxError("Unexpected identifier 'assert'"), { stack: `SyntaxError: Unexpected identifier 'assert'\n    at ${importer.url}` });
    }
    checkAttributes(clause.entries, target);
  }
}

/**
 * Checks the `with` of an `import()` (its options were checked for shape already).
 * @param {unknown} options
 * @param {ModuleRecord} target
 */
export function checkDynamicAttributes(options, target) {
  const attributes = options && typeof options === "object" ? /** @type {any} */ (options).with : undefined;
  const entries = attributes && typeof attributes === "object" ? /** @type {[string, string][]} */ (Object.entries(attributes)) : [];
  checkAttributes(entries, target);
}

/**
 * @param {[string, string][]} entries
 * @param {ModuleRecord} target
 */
function checkAttributes(entries, target) {
  let type;
  for (const [key, value] of entries) {
    if (key === "type" && value === "json") type = value;
    // Node checks the other attributes when it loads the module, not at a later import of it.
    else if (key !== "type" && target.state !== "new" && target.state !== "errored") continue;
    else if (key === "type" && ASSERTIONS) {
      throw nodeError(TypeError, "ERR_IMPORT_ASSERTION_TYPE_UNSUPPORTED", `Import attribute type "${value}" is unsupported`);
    } else {
      const where = ASSERTIONS ? "" : ` in ${target.url}`;
      throw nodeError(TypeError, "ERR_IMPORT_ATTRIBUTE_UNSUPPORTED", `Import attribute "${key}" with value "${value}" is not supported${where}`);
    }
  }
  const isJson = target.format === "json";
  if (isJson && type !== "json") {
    throw ASSERTIONS
      ? nodeError(TypeError, "ERR_IMPORT_ASSERTION_TYPE_MISSING", `Module "${target.url}" needs an import attribute of type "json"`)
      : nodeError(TypeError, "ERR_IMPORT_ATTRIBUTE_MISSING", `Module "${target.url}" needs an import attribute of "type: json"`);
  }
  if (!isJson && type === "json") {
    throw nodeError(TypeError, ASSERTIONS ? "ERR_IMPORT_ASSERTION_TYPE_FAILED" : "ERR_IMPORT_ATTRIBUTE_TYPE_INCOMPATIBLE", `Module "${target.url}" is not of type "json"`);
  }
}
