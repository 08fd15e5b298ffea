// @ts-check
/**
 * Runs one of webpack's hot test cases inside the app, under hotnode (`hotnode --apply manual
 * --require ./__harness.cjs index.js`: node loads this file before the runtime, and the case's
 * index.js is the entry, as it is the bundle's entry in webpack's own harness,
 * test/HotTestCases.template.js): the globals `it`, `expect` (jest's), `NEXT` and `STATE`, then,
 * once the entry has run, the registered tests one after another. `NEXT(callback)` is webpack's next compilation: here every file of the case
 * that has versions (parts split by a line of `---`, webpack's fake-update-loader) is written at
 * its next version, then `callback(null, stats)` runs (`update.js` then calls
 * `module.hot.check()`).
 *
 * Results go to stdout as `HOTCASE {json}` lines, and the process exits with 0 whatever the
 * outcome (hotnode waits for a change after a crash).
 */
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const nodeModule = require("node:module");
const { expect } = require("expect");
const jestMock = require("jest-mock");

const source = /** @type {string} */ (process.env.HOTCASE_SOURCE);
const here = __dirname;
const TEST_TIMEOUT_MS = 10_000;

/** @param {string} text @param {number} step */
const version = (text, step) => {
  const items = text.split(/---+\r?\n/g);
  return items[step] ?? items[items.length - 1];
};

/** The case's files at version `step`, written where they differ. @param {number} step */
function render(step) {
  /** @param {string} dir */
  const walk = (dir) => {
    for (const entry of fs.readdirSync(path.join(source, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        fs.mkdirSync(path.join(here, rel), { recursive: true });
        walk(rel);
        continue;
      }
      const text = version(fs.readFileSync(path.join(source, rel), "utf8"), step);
      const target = path.join(here, rel);
      let now = null;
      try {
        now = fs.readFileSync(target, "utf8");
      } catch {}
      if (now !== text) fs.writeFileSync(target, text);
    }
  };
  walk(".");
}

/** @type {{ name: string, fn: Function }[]} */
const tests = [];
/** @type {NodeJS.Require | null} */
let caseRequire = null;
/** @type {Function[]} */
const before = [];
/** @type {Function[]} */
const after = [];
let step = 0;
// webpack gives every module `require`, ES modules too, and the cases' ES modules call it
// (`NEXT(require("../../update")(done))`); node gives them none, and neither does hotnode. This
// one, made for the case's folder, stands in for it: made at first use, when hotnode's runtime
// has put its own `createRequire` in place (so what it loads is hot).
Object.defineProperty(globalThis, "require", {
  get: () => (caseRequire ??= nodeModule.createRequire(path.join(here, "index.js"))),
  configurable: true,
});
Object.assign(globalThis, {
  it: (/** @type {string} */ name, /** @type {Function} */ fn) => {
    // The entry registers its tests while it runs; they run once it has.
    if (tests.length === 0) setTimeout(runTests, 0);
    tests.push({ name, fn });
  },
  beforeEach: (/** @type {Function} */ fn) => before.push(fn),
  afterEach: (/** @type {Function} */ fn) => after.push(fn),
  jest: { fn: jestMock.fn, spyOn: jestMock.spyOn },
  expect,
  STATE: {},
  NEXT: (/** @type {(err: unknown, stats?: unknown) => void} */ callback) => {
    step += 1;
    render(step);
    // webpack compiles asynchronously: the callback never runs inside NEXT.
    setTimeout(() => callback(null, { errors: [], warnings: [] }), 0);
  },
});

/** @param {unknown} value */
const report = (value) => process.stdout.write(`HOTCASE ${JSON.stringify(value)}\n`);

/** @param {unknown} err */
const words = (err) => (err instanceof Error ? err.stack ?? err.message : String(err));

/** @type {((err: unknown) => void) | null} */
let failCurrent = null;
/** An error no test was there to take: before the tests, the entry failed to load. @param {unknown} err */
const uncaught = (err) => {
  if (failCurrent) return failCurrent(err);
  report({ uncaught: words(err) });
  if (!started) process.exit(0);
};
process.on("uncaughtException", uncaught);
process.on("unhandledRejection", uncaught);
let started = false;

/** A test with its beforeEach and afterEach hooks, as jest runs them. @param {{ name: string, fn: Function }} test */
async function runWithHooks(test) {
  for (const fn of before) await runOne({ name: "beforeEach", fn });
  try {
    await runOne(test);
  } finally {
    for (const fn of after) await runOne({ name: "afterEach", fn });
  }
}

/** @param {{ name: string, fn: Function }} test @returns {Promise<void>} */
function runOne(test) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${TEST_TIMEOUT_MS} ms`)), TEST_TIMEOUT_MS);
    /** @param {unknown} err */
    const finish = (err) => {
      clearTimeout(timer);
      failCurrent = null;
      if (err) reject(err);
      else resolve();
    };
    failCurrent = finish;
    try {
      if (test.fn.length > 0) {
        test.fn((/** @type {unknown} */ err) => finish(err));
      } else {
        Promise.resolve(test.fn()).then(() => finish(null), finish);
      }
    } catch (err) {
      finish(err);
    }
  });
}

let ended = false;
/** The entry threw, or never registered a test: said before the process ends. */
process.on("exit", () => {
  if (ended) return;
  report({ loaded: false, error: tests.length ? "the process ended during the tests" : "No tests exported by test case" });
  report({ end: true });
});

async function runTests() {
  started = true;
  for (const test of tests) {
    try {
      await runWithHooks(test);
      report({ test: test.name, ok: true });
    } catch (err) {
      report({ test: test.name, ok: false, error: words(err) });
    }
  }
  ended = true;
  report({ end: true });
  process.exit(0);
}
