#!/usr/bin/env node
"use strict";
const order = [];
async function main() {
  const lib = await import("./lib.mjs");
  console.log("relative:", lib.value, lib.default);
  const path = await import("node:path");
  console.log("builtin:", typeof path.join);
  const computed = await import(["./lib", "mjs"].join("."));
  console.log("computed is the same instance:", computed === lib);
  const viaObject = await import({ toString: () => "./lib.mjs" });
  console.log("toString:", viaObject === lib);
  await import(Symbol("x")).catch((e) => console.log("symbol:", e.name));
  await import("./missing.mjs").catch((e) => console.log("missing:", e.code));
  const cjs = await import("./dep.cjs");
  console.log("cjs default:", cjs.default.n, "named:", cjs.n);
}
main().then(() => console.log("done"));
