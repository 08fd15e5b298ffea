// @ts-check
/**
 * The helpers oxc's transform calls as `babelHelpers.*` (legacy decorators and their metadata),
 * with TypeScript's `__decorate`/`__param`/`__metadata` semantics, so decorated classes
 * (NestJS, TypeORM, ...) behave as they do when compiled by tsc; and the source rewrite of a
 * direct `eval` (`eval-source.mjs`) and `import.source()` (`source-phase.mjs`).
 */
import { rewriteEvalSource } from "./eval-source.mjs";
import { importSource } from "./source-phase.mjs";

/**
 * @param {Function[]} decorators
 * @param {any} target
 * @param {PropertyKey} [key]
 * @param {PropertyDescriptor | null} [desc]
 */
function decorate(decorators, target, key, desc) {
  const argc = arguments.length;
  let result = argc < 3 ? target : desc === null ? (desc = Object.getOwnPropertyDescriptor(target, /** @type {PropertyKey} */ (key))) : desc;
  const reflect = /** @type {any} */ (Reflect);
  if (typeof reflect.decorate === "function") return reflect.decorate(decorators, target, key, desc);
  for (let i = decorators.length - 1; i >= 0; i--) {
    const decorator = decorators[i];
    if (!decorator) continue;
    const next = argc < 3 ? decorator(result) : argc > 3 ? decorator(target, key, result) : decorator(target, key);
    result = next || result;
  }
  if (argc > 3 && result) Object.defineProperty(target, /** @type {PropertyKey} */ (key), result);
  return result;
}

/** @param {number} index @param {Function} decorator */
function decorateParam(index, decorator) {
  return (/** @type {any} */ target, /** @type {PropertyKey} */ key) => decorator(target, key, index);
}

/** @param {string} metadataKey @param {unknown} value */
function decorateMetadata(metadataKey, value) {
  const reflect = /** @type {any} */ (Reflect);
  if (typeof reflect.metadata === "function") return reflect.metadata(metadataKey, value);
  return undefined;
}

/**
 * The globals the transformed code calls, not enumerable: the app's `Object.keys(globalThis)`
 * stays node's.
 * @param {any} global
 */
export function installHelpers(global) {
  if (!("babelHelpers" in global)) Object.defineProperty(global, "babelHelpers", { value: {}, writable: true, configurable: true });
  const helpers = global.babelHelpers;
  helpers.decorate ??= decorate;
  helpers.decorateParam ??= decorateParam;
  helpers.decorateMetadata ??= decorateMetadata;
  Object.defineProperty(global, "__hotnode_eval_source__", { value: rewriteEvalSource, writable: true, configurable: true });
  Object.defineProperty(global, "__hotnode_import_source__", { value: importSource, writable: true, configurable: true });
}
