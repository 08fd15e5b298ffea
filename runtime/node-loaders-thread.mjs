// @ts-check
/**
 * The `load` hook of `node-loaders.mjs` where node runs module hooks in a thread of their own
 * (`module.register`, Node 20): it asks the app's main thread, which holds the modules, for the
 * bridge of an app file.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

const NODE_MODULES = `${path.sep}node_modules${path.sep}`;

/** @type {import("node:worker_threads").MessagePort} */
let port;
/** @type {string} */
let runtimeDir;
let nextId = 1;
/** @type {Map<number, { resolve: (answer: { source?: string | null, error?: string }) => void }>} */
const waiting = new Map();

/** @param {{ port: import("node:worker_threads").MessagePort, runtimeDir: string }} data */
export function initialize(data) {
  ({ port, runtimeDir } = data);
  port.on("message", (/** @type {{ id: number, source?: string | null, error?: string }} */ answer) => {
    waiting.get(answer.id)?.resolve(answer);
    waiting.delete(answer.id);
  });
}

/**
 * @param {string} url
 * @param {{ conditions?: readonly string[], format?: string | null }} context
 * @param {(url: string, context?: object) => Promise<object>} nextLoad
 */
export async function load(url, context, nextLoad) {
  if (!url.startsWith("file:") || context.conditions?.includes("require")) return nextLoad(url, context);
  const file = fileURLToPath(url);
  if (file.includes(NODE_MODULES) || file.startsWith(runtimeDir + path.sep)) return nextLoad(url, context);
  const id = nextId++;
  /** @type {{ source?: string | null, error?: string }} */
  const answer = await new Promise((resolve) => {
    waiting.set(id, { resolve });
    port.postMessage({ id, url });
  });
  if (answer.error) throw new Error(answer.error);
  if (answer.source == null) return nextLoad(url, context);
  return { format: "module", source: answer.source, shortCircuit: true };
}
