// @ts-check
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { hotFork, isAppModule, joinForks, readForkCall, takeSession } from "../processes.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
// Stands in for the runtime's main: reports how it was started.
const fakeMain = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "hotnode-fork-")), "report-fork.mjs");
fs.writeFileSync(
  fakeMain,
  `const e = process.env;
process.send({ argv: process.argv.slice(2), role: e.HOTNODE_ROLE, parent: e.HOTNODE_PARENT, token: e.HOTNODE_TOKEN, mine: e.MINE ?? null }, () => process.exit(0));
`,
);
const session = { HOTNODE_SOCKET: "/s", HOTNODE_TOKEN: "t" };

test("fork's optional arguments are read as node reads them", () => {
  assert.deepEqual(readForkCall("./w.js"), { modulePath: "./w.js", args: [], options: {} });
  assert.deepEqual(readForkCall("./w.js", { cwd: "/x" }), { modulePath: "./w.js", args: [], options: { cwd: "/x" } });
  assert.deepEqual(readForkCall("./w.js", ["a"], { cwd: "/x" }), { modulePath: "./w.js", args: ["a"], options: { cwd: "/x" } });
  assert.equal(readForkCall(pathToFileURL("/app/w.js"))?.modulePath, "/app/w.js");
  assert.equal(readForkCall(42), null);
  assert.equal(readForkCall("./w.js", "nope"), null);
});

test("a fork of an app module runs the runtime with the module as its entry and the session in its env", () => {
  const hot = hotFork(
    { modulePath: "worker.ts", args: ["--x"], options: { cwd: "/app", env: { MINE: "1" } } },
    { runtimeMain: "/rt/main.mjs", session, parentPid: 7 },
  );
  assert.ok(hot);
  assert.equal(hot.modulePath, "/rt/main.mjs");
  assert.deepEqual(hot.args, ["/app/worker.ts", "--x"]);
  assert.equal(hot.options.cwd, "/app");
  assert.deepEqual(hot.options.env, { MINE: "1", ...session, HOTNODE_PARENT: "7", HOTNODE_ROLE: "forked process" });
});

test("cluster workers are told apart by NODE_UNIQUE_ID; package scripts fork natively", () => {
  const worker = hotFork(
    { modulePath: "/app/main.ts", args: [], options: { env: { NODE_UNIQUE_ID: "1" } } },
    { runtimeMain: "/rt/main.mjs", session, parentPid: 7 },
  );
  assert.equal(worker?.options.env.HOTNODE_ROLE, "cluster worker");
  assert.equal(isAppModule("/app/node_modules/jest-worker/child.js"), false);
  assert.equal(hotFork({ modulePath: "/app/node_modules/p/w.js", args: [], options: {} }, { runtimeMain: "/rt/main.mjs", session, parentPid: 7 }), null);
});

test("child_process.fork and cluster.fork, once joined, start the runtime", async () => {
  process.env.HOTNODE_TOKEN = "secret";
  const session = takeSession();
  assert.equal(process.env.HOTNODE_TOKEN, undefined, "the token leaves the app's environment");
  joinForks(fakeMain, session);
  // Loaded after joinForks, as the app loads it: the cluster primary keeps the fork it finds.
  const { fork } = await import("node:child_process");
  const { default: cluster } = await import("node:cluster");
  /** @param {import("node:child_process").ChildProcess} child */
  const report = (child) => new Promise((resolve, reject) => {
    child.once("message", resolve);
    child.once("error", reject);
  });
  const forked = await report(fork("./worker.ts", ["--port", "1"], { cwd: here, env: { MINE: "yes" } }));
  assert.deepEqual(forked, {
    argv: [path.join(here, "worker.ts"), "--port", "1"],
    role: "forked process",
    parent: String(process.pid),
    token: "secret",
    mine: "yes",
  });
  cluster.setupPrimary({ exec: path.join(here, "main.ts"), args: [] });
  const worker = cluster.fork();
  const fromWorker = await report(worker.process);
  assert.equal(/** @type {any} */ (fromWorker).role, "cluster worker");
  assert.deepEqual(/** @type {any} */ (fromWorker).argv, [path.join(here, "main.ts")]);
  await new Promise((resolve) => worker.once("exit", resolve));
  fs.rmSync(path.dirname(fakeMain), { recursive: true });
});
