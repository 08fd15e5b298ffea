// @ts-check
/**
 * Errors as the app sees them: stacks without the runtime's own frames (what is left is where
 * in the app the error came from), and the error of an import that names nothing.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

export const RUNTIME_DIR = path.dirname(fileURLToPath(import.meta.url));

/** Marks the error of an import that gives no module (see `loadError`): its message says which
 * and why, and hotnode has already shown the file's code frame where there is one. */
export const LOAD_FAILURE = Symbol("hotnode.loadFailure");

/**
 * A stack's lines without the frames of the runtime and of node's internals.
 * @param {string} stack
 */
export function appFrames(stack) {
  // (Stacks formatted by `stack.mjs` have no runtime frames already; an app may replace it.)
  return stack
    .split("\n")
    .filter((line) => !/^\s+at /.test(line) || !(line.includes(RUNTIME_DIR) || line.includes("node:internal")))
    .join("\n");
}

/**
 * The error of an import that gives no module, of the class node's loader throws: nothing there
 * is `ERR_MODULE_NOT_FOUND`, a file that does not parse a `SyntaxError`. Its message is
 * hotnode's (the specifier and the importer, or the file and the problem), and its stack holds
 * the app's frames only: the runtime's would only hide where the import is.
 * @param {{ error: string, kind: import("./protocol.mjs").FailureKind }} target
 */
export function loadError({ error: message, kind }) {
  const err = kind === "syntax" ? new SyntaxError(message) : new Error(message);
  const frames = appFrames((err.stack ?? "").split("\n").slice(1).join("\n"));
  const headline = kind === "not-found" ? `Error [ERR_MODULE_NOT_FOUND]: ${message}` : `${err.name}: ${message}`;
  err.stack = [headline, ...(frames ? [frames] : [])].join("\n");
  if (kind === "not-found") Object.assign(err, { code: "ERR_MODULE_NOT_FOUND" });
  Object.assign(err, { [LOAD_FAILURE]: true });
  return err;
}

/**
 * What hotnode prints of an error an update ran into.
 * @param {unknown} err
 * @returns {{ message: string, stack: string }}
 */
export function describeError(err) {
  // An import that gives no module: the message says it all (which specifier and importer, or
  // which file and what is wrong with it); the stack would only point at the importer's line.
  if (err instanceof Error && LOAD_FAILURE in err) return { message: err.message, stack: "" };
  if (err instanceof Error) return { message: err.message, stack: appFrames(err.stack ?? String(err)) };
  return { message: String(err), stack: String(err) };
}

/**
 * An error of node's own, as node makes it: `code`, and `Name [CODE]: message` at the head of
 * its stack. Marked as a load failure: at start-up the runtime prints it without echoing its
 * own line.
 * @param {ErrorConstructor} Class
 * @param {string} code
 * @param {string} message
 */
export function nodeError(Class, code, message) {
  const err = new Class(message);
  Object.defineProperty(err, "name", { value: `${err.name} [${code}]`, configurable: true, writable: true });
  void err.stack;
  delete (/** @type {any} */ (err)).name;
  return Object.assign(err, { code, [LOAD_FAILURE]: true });
}
