// @ts-check
/**
 * The `load` hook of `node-loaders.mjs` where node runs module hooks in a thread of their own
 * (`module.register`, Node 20): it asks the app's main thread, which holds the modules, for the
 * bridge of an app file.
 */
import { appFiles, missingAppFile, wantsBridge, withPackageHot } from "./app-files.mjs";


/** @type {import("node:worker_threads").MessagePort} */
let port;
/** @type {(file: string) => boolean} */
let isAppFile;
let nextId = 1;
/** @typedef {{ source?: string | null, url?: string | null, error?: { name: string, message: string, code?: string } }} Answer */
/** @type {Map<number, { resolve: (answer: Answer) => void }>} */
const waiting = new Map();

/** @param {{ port: import("node:worker_threads").MessagePort, runtimeDir: string }} data */
export function initialize(data) {
  port = data.port;
  isAppFile = appFiles(data.runtimeDir);
  port.on("message", (/** @type {Answer & { id: number }} */ answer) => {
    waiting.get(answer.id)?.resolve(answer);
    waiting.delete(answer.id);
  });
}

/**
 * @param {string} url
 * @param {{ conditions?: readonly string[], format?: string | null, importAttributes?: object }} context
 * @param {(url: string, context?: object) => Promise<object>} nextLoad
 */
export async function load(url, context, nextLoad) {
  if (!wantsBridge(url, context.conditions, isAppFile)) return withPackageHot(url, await nextLoad(url, context));
  const answer = await ask({ url, attributes: context.importAttributes });
  if (answer.error) throw nodeError(answer.error);
  if (answer.source == null) return nextLoad(url, context);
  return { format: "module", source: answer.source, shortCircuit: true };
}

/**
 * A specifier node finds nothing at that names an app file: hotnode resolves it (see
 * `missingAppFile` in node-loaders.mjs).
 * @param {string} specifier
 * @param {{ parentURL?: string }} context
 * @param {(specifier: string, context?: object) => Promise<object>} nextResolve
 */
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    const file = missingAppFile(err, specifier, context.parentURL, isAppFile);
    const answer = file ? await ask({ file }) : null;
    if (answer?.url) return { url: answer.url, shortCircuit: true };
    throw err;
  }
}

/** @param {{ name: string, message: string, code?: string }} error */
function nodeError({ name, message, code }) {
  const Class = name === "TypeError" ? TypeError : name === "SyntaxError" ? SyntaxError : Error;
  return Object.assign(new Class(message), code ? { code } : {});
}

/** @param {{ url?: string, file?: string, attributes?: object }} question @returns {Promise<Answer>} */
function ask(question) {
  const id = nextId++;
  return new Promise((resolve) => {
    waiting.set(id, { resolve });
    port.postMessage({ id, ...question });
  });
}
