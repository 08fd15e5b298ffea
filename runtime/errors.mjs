// @ts-check
/**
 * Errors as the app sees them: stacks without the runtime's own frames (what is left is where
 * in the app the error came from), and the error of an import that names nothing.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

export const RUNTIME_DIR = path.dirname(fileURLToPath(import.meta.url));

/** Marks the error of an import that names nothing (see `unresolvedError`). */
export const UNRESOLVED = Symbol("hotnode.unresolved");

/**
 * A stack's lines without the frames of the runtime and of node's internals.
 * @param {string} stack
 */
export function appFrames(stack) {
  return stack
    .split("\n")
    .filter((line) => !/^\s+at /.test(line) || !(line.includes(RUNTIME_DIR) || line.includes("node:internal")))
    .join("\n");
}

/**
 * The error of an import that names nothing: node's code, hotnode's message (the specifier and
 * the importer), and a stack of the app's frames only: the runtime's frames would only hide
 * where the import is.
 * @param {string} message
 */
export function unresolvedError(message) {
  const err = new Error(message);
  const frames = appFrames((err.stack ?? "").split("\n").slice(1).join("\n"));
  err.stack = [`Error [ERR_MODULE_NOT_FOUND]: ${message}`, ...(frames ? [frames] : [])].join("\n");
  Object.assign(err, { code: "ERR_MODULE_NOT_FOUND", [UNRESOLVED]: true });
  return err;
}

/**
 * What hotnode prints of an error an update ran into.
 * @param {unknown} err
 * @returns {{ message: string, stack: string }}
 */
export function describeError(err) {
  // An import that names nothing: the message says it all (which specifier, which importer);
  // the stack would only point at the importer's first line.
  if (err instanceof Error && UNRESOLVED in err) return { message: err.message, stack: "" };
  if (err instanceof Error) return { message: err.message, stack: appFrames(err.stack ?? String(err)) };
  return { message: String(err), stack: String(err) };
}
