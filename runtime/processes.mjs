// @ts-check
/**
 * Processes and threads the app starts join the session. `child_process.fork()` of an app module starts the
 * hotnode runtime with that module as its entry, so the child attaches to the same socket,
 * receives every update and applies it to its own live graph. `cluster.fork()` forks through
 * `child_process.fork` with the primary's entry, so cluster workers join the same way.
 *
 * A `new Worker()` of an app module runs the runtime in the thread the same way: it attaches as
 * a worker thread of its process, so its modules are hot (TypeScript included) and a change it
 * cannot take restarts the app as a whole.
 *
 * This must run before anything loads `node:cluster`: the cluster primary keeps the `fork` it
 * finds when it is first loaded.
 */
import childProcess from "node:child_process";
import { syncBuiltinESMExports } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import workerThreads from "node:worker_threads";
import { inNodeModules } from "./app-files.mjs";
import { ENV } from "./protocol.mjs";

/** The variables that carry the session to a process (the others say who it is). */
export const SESSION_VARIABLES = [ENV.socket, ENV.token, ENV.restart, ENV.apply, ENV.generation, ENV.standby];

/** A worker thread gets the session in its first two arguments, this and the JSON of it. */
const SESSION_ARG = "--hotnode-session";

/**
 * The session this process or thread joins, taken out of where it came (the environment, or a
 * worker's arguments): the token goes no further than the processes that join, so a program
 * the app spawns (a shell, a compiler, another node) does not get it, and the app's
 * `process.env` is what it would be without hotnode.
 * @returns {Record<string, string>}
 */
export function takeSession() {
  /** @type {Record<string, string>} */
  const session = {};
  if (!workerThreads.isMainThread && process.argv[2] === SESSION_ARG) {
    Object.assign(session, JSON.parse(process.argv[3]));
    process.argv.splice(2, 2);
  } else {
    for (const name of SESSION_VARIABLES) {
      const value = process.env[name];
      if (value !== undefined) session[name] = value;
    }
  }
  for (const name of SESSION_VARIABLES) delete process.env[name];
  return session;
}

/**
 * @typedef {{ modulePath: string, args: string[], options: Record<string, any> }} ForkCall
 */

/**
 * Node's `fork(modulePath[, args][, options])` with its optional arguments sorted out.
 * @param {unknown} modulePath
 * @param {unknown} [args]
 * @param {unknown} [options]
 * @returns {ForkCall | null} null when the call is not one this can read (node reports it)
 */
export function readForkCall(modulePath, args, options) {
  let file = modulePath instanceof URL ? (modulePath.protocol === "file:" ? fileURLToPath(modulePath) : null) : modulePath;
  if (typeof file !== "string") return null;
  if (args != null && typeof args === "object" && !Array.isArray(args)) {
    options = args;
    args = [];
  }
  if (args != null && !Array.isArray(args)) return null;
  if (options != null && typeof options !== "object") return null;
  return { modulePath: file, args: /** @type {string[]} */ (args ?? []), options: /** @type {Record<string, any>} */ (options ?? {}) };
}

/**
 * A module of the app (not a package's script): hotnode serves everything outside `node_modules`.
 * @param {string} file an absolute path
 */
export function isAppModule(file) {
  return !inNodeModules(file);
}

/**
 * The fork that runs `call` under the runtime: the runtime's main with the module as its first
 * argument, and the session in the environment (also when the app passes an `env` of its own).
 * @param {ForkCall} call
 * @param {{ runtimeMain: string, session: Record<string, string>, parentPid: number }} context
 * @returns {ForkCall | null} null when the module is not the app's (it forks as it would without hotnode)
 */
export function hotFork(call, context) {
  const cwd = typeof call.options.cwd === "string" ? call.options.cwd : process.cwd();
  const file = path.resolve(cwd, call.modulePath);
  if (!isAppModule(file)) return null;
  const env = { ...(call.options.env ?? process.env) };
  Object.assign(env, context.session);
  env[ENV.parent] = String(context.parentPid);
  // cluster forks its workers with NODE_UNIQUE_ID: a worker, not a plain child.
  env[ENV.role] = "NODE_UNIQUE_ID" in env ? "cluster worker" : "forked process";
  return { modulePath: context.runtimeMain, args: [file, ...call.args], options: { ...call.options, env } };
}

/**
 * Makes every `child_process.fork()` of an app module (and so every `cluster.fork()`) a process
 * of this session.
 * @param {string} runtimeMain
 * @param {Record<string, string>} session see `takeSession`
 */
export function joinForks(runtimeMain, session) {
  const nativeFork = childProcess.fork;
  /** @type {typeof childProcess.fork} */
  const fork = /** @type {any} */ (
    function fork(/** @type {any} */ modulePath, /** @type {any} */ args, /** @type {any} */ options) {
      const call = readForkCall(modulePath, args, options);
      const hot = call && hotFork(call, { runtimeMain, session, parentPid: process.pid });
      if (!hot) return nativeFork.apply(childProcess, /** @type {any} */ (arguments));
      return nativeFork.call(childProcess, hot.modulePath, hot.args, hot.options);
    }
  );
  childProcess.fork = fork;
  // `import { fork } from "node:child_process"` reads the builtin's named exports.
  syncBuiltinESMExports();
}

/**
 * The app file a `new Worker(filename, options)` runs, or null for code that is not an app
 * module (`eval`, a `data:` URL, a package's script): those start as they would without hotnode.
 * @param {unknown} filename
 * @param {Record<string, any> | undefined} options
 */
export function workerAppFile(filename, options) {
  if (options?.eval) return null;
  let file = null;
  if (filename instanceof URL) file = filename.protocol === "file:" ? fileURLToPath(filename) : null;
  else if (typeof filename === "string") file = filename.startsWith("file:") ? fileURLToPath(filename) : path.resolve(filename);
  return file && isAppModule(file) ? file : null;
}

/**
 * Makes every `new Worker()` of an app module a thread of this session.
 * @param {string} runtimeMain
 * @param {Record<string, string>} session see `takeSession`
 */
export function joinWorkers(runtimeMain, session) {
  const sessionArgs = [SESSION_ARG, JSON.stringify(session)];
  const NativeWorker = workerThreads.Worker;
  const runtimeDir = path.dirname(runtimeMain) + path.sep;
  class Worker extends NativeWorker {
    /** @param {string | URL} filename @param {import("node:worker_threads").WorkerOptions} [options] */
    constructor(filename, options) {
      const file = workerAppFile(filename, options);
      if (!file || file.startsWith(runtimeDir)) super(filename, options);
      // The worker sees node's `process.argv` of a worker running `file`: the runtime's main
      // takes the session and `file` off its argument list (see main.mjs).
      else super(runtimeMain, { ...options, argv: [...sessionArgs, file, ...(options?.argv ?? [])] });
    }
  }
  Object.defineProperty(Worker, "name", { value: "Worker" });
  workerThreads.Worker = Worker;
  syncBuiltinESMExports();
}
