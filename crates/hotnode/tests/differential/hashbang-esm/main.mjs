#!/usr/bin/env node
// An ES module entry with a #! line, as CLIs have.
const where = import.meta.url.endsWith("/main.mjs");
console.log("esm with #!", where);
await Promise.resolve();
console.log("after await");
