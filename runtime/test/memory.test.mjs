// @ts-check
/**
 * Old versions of a module are released: after many updates of a large module the live heap
 * is what it was after the first few.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import v8 from "node:v8";
import vm from "node:vm";
import { app } from "./fake-app.mjs";

v8.setFlagsFromString("--expose-gc");
const gc = /** @type {() => void} */ (vm.runInNewContext("gc"));

/** About 64 KB of module code, different for each version. @param {number} version */
function bigModule(version) {
  const rows = Array.from({ length: 1100 }, (_, i) => `  "row ${i} of version ${version}: ${"x".repeat(40)}",`);
  return `const table = [\n${rows.join("\n")}\n];\nObject.defineProperty(__vite_ssr_exports__, "size", { enumerable: true, configurable: true, get: () => table.length + ${version} });\n`;
}

function heapUsedAfterGc() {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

test("200 updates of a 64 KB module leave the live heap as it was", async () => {
  const t = app({
    "/main.js": {
      code: `const big = await __vite_ssr_import__("./big.js");
        __vite_ssr_import_meta__.hot.accept("./big.js", () => {});`,
      deps: { "./big.js": "/big.js" },
    },
    "/big.js": { code: bigModule(0) },
  });
  await t.engine.boot("/main.js");
  for (let v = 1; v <= 20; v++) await t.edit("/big.js", bigModule(v));
  const before = heapUsedAfterGc();
  for (let v = 21; v <= 220; v++) await t.edit("/big.js", bigModule(v));
  const after = heapUsedAfterGc();
  const record = /** @type {any} */ (t.registry.records.get("/big.js"));
  assert.equal(record.bindings.size, 1100 + 220, "the last version runs");
  // Each version's source is about 64 KB: kept alive, 200 of them would add over 12 MB.
  const grownMb = (after - before) / 1e6;
  assert.ok(grownMb < 4, `the live heap grew by ${grownMb.toFixed(1)} MB over 200 updates`);
});
