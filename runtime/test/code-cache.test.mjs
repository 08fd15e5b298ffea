// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import v8 from "node:v8";
import { Script } from "node:vm";
import { CodeCache, readEntries } from "../code-cache.mjs";

// As the runtime runs (registry.mjs): with V8's in-process compilation cache, compiling a
// source again would take the first compile's code and never look at the data given.
v8.setFlagsFromString("--no-compilation-cache");

const source = (/** @type {number} */ n) => `(function () {\n  function inner(x) { return x * ${n}; }\n  return inner(2);\n})`;

/** A script that ran, so its lazily compiled inner function is compiled too. @param {number} n */
function ranScript(n) {
  const script = new Script(source(n), { filename: `/app/m${n}.js` });
  /** @type {Function} */ (script.runInThisContext())();
  return script;
}

/**
 * The cache's waits do not keep a process alive (an app that ends is not held up by a save);
 * a test waiting for one does.
 * @template T @param {Promise<T>} promise
 */
function held(promise) {
  const hold = setInterval(() => {}, 1000);
  return promise.finally(() => clearInterval(hold));
}

function tempDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), "hotnode-code-cache-"));
}

test("what one process saves, the next compiles from, and V8 takes it", async () => {
  const dir = tempDir();
  const saver = new CodeCache(dir, 0);
  const scripts = [1, 2, 3].map((n) => ({ cacheKey: `k${n}`, script: ranScript(n) }));
  await held(saver.save(() => [...scripts, { cacheKey: "", script: ranScript(4) }, { cacheKey: "k5", script: null }]));

  const reader = new CodeCache(dir, 0);
  for (const n of [1, 2, 3]) {
    const data = reader.read(`k${n}`);
    assert.ok(data && data.length > 0, `k${n} was saved`);
    const script = new Script(source(n), { filename: `/app/m${n}.js`, cachedData: data });
    assert.equal(script.cachedDataRejected, false, `V8 takes k${n}'s data`);
    assert.equal(/** @type {Function} */ (script.runInThisContext())(), 2 * n);
  }
  // Neither a module without a key nor one never compiled is saved.
  assert.equal(reader.read("k5"), undefined);
  assert.deepEqual([...readEntries(path.join(dir, "modules.v8")).keys()], ["k1", "k2", "k3"]);
  fs.rmSync(dir, { recursive: true });
});

test("a process that compiled from the cache saves that data again, with its new modules'", async () => {
  const dir = tempDir();
  await held(new CodeCache(dir, 0).save(() => [{ cacheKey: "old", script: ranScript(1) }]));
  const before = readEntries(path.join(dir, "modules.v8")).get("old");

  const next = new CodeCache(dir, 0);
  const cachedData = next.read("old");
  const reused = new Script(source(1), { filename: "/app/m1.js", cachedData });
  await held(next.save(() => [{ cacheKey: "old", script: reused }, { cacheKey: "new", script: ranScript(7) }]));

  const entries = readEntries(path.join(dir, "modules.v8"));
  assert.deepEqual([...entries.keys()], ["old", "new"]);
  assert.ok(before && entries.get("old")?.equals(before), "the data read is written as it was");
  // One save per process: its start's.
  await held(next.save(() => [{ cacheKey: "later", script: ranScript(8) }]));
  assert.equal(readEntries(path.join(dir, "modules.v8")).has("later"), false);
  fs.rmSync(dir, { recursive: true });
});

test("a missing, cut short or foreign file reads as no cache", async () => {
  const dir = tempDir();
  const file = path.join(dir, "modules.v8");
  assert.equal(readEntries(file).size, 0);
  await held(new CodeCache(dir, 0).save(() => [1, 2].map((n) => ({ cacheKey: `k${n}`, script: ranScript(n) }))));
  const whole = fs.readFileSync(file);
  fs.writeFileSync(file, whole.subarray(0, whole.length - 1));
  assert.equal(readEntries(file).size, 0, "cut short");
  fs.writeFileSync(file, Buffer.concat([whole, Buffer.from("x")]));
  assert.equal(readEntries(file).size, 0, "longer than its header says");
  fs.writeFileSync(file, "not a cache at all");
  assert.equal(readEntries(file).size, 0, "foreign");
  assert.equal(new CodeCache(dir, 0).read("k1"), undefined);
  fs.rmSync(dir, { recursive: true });
});

test("data V8 does not take leaves the module compiling from source", () => {
  const script = new Script(source(3), { filename: "/app/m3.js", cachedData: Buffer.from("not V8's data") });
  assert.equal(script.cachedDataRejected, true);
  assert.equal(/** @type {Function} */ (script.runInThisContext())(), 6);
});

test("a standby waits for the save of the start before it, not longer than it is told to", async () => {
  const dir = tempDir();
  const standby = new CodeCache(dir, 2);
  let waited = false;
  const waiting = held(standby.previousSave()).then(() => (waited = true));
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(waited, false, "no save yet");
  await held(new CodeCache(dir, 0).save(() => [{ cacheKey: "k", script: ranScript(1) }]));
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(waited, false, "an older start's save");
  await held(new CodeCache(dir, 1).save(() => [{ cacheKey: "k", script: ranScript(1) }]));
  await waiting;
  // `go` ends the wait at once, save or not.
  const other = new CodeCache(tempDir(), 1);
  const started = performance.now();
  await held(other.previousSave(Promise.resolve()));
  assert.ok(performance.now() - started < 500);
  fs.rmSync(dir, { recursive: true });
  fs.rmSync(other.dir, { recursive: true });
});

test("a save removes what a process that restarted while saving left half-written", async () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, "modules.999999.part"), "half");
  fs.writeFileSync(path.join(dir, "modules.999999.part.by"), "1");
  fs.writeFileSync(path.join(dir, "unrelated"), "kept");
  await held(new CodeCache(dir, 2).save(() => [{ cacheKey: "k", script: ranScript(1) }]));
  assert.deepEqual(fs.readdirSync(dir).sort(), ["modules.v8", "saved-by", "unrelated"]);
  fs.rmSync(dir, { recursive: true });
});
