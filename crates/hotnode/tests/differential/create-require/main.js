// createRequire(import.meta.url) reaches the same app modules as import does: one instance.
import { createRequire } from "node:module";
import counter from "./counter.cjs";
import * as esm from "./esm.mjs";

const require = createRequire(import.meta.url);
const required = require("./counter.cjs");
console.log("same CommonJS instance:", required === counter, required.bump(), counter.bump());
console.log("require of an ES module:", require("./esm.mjs").value, require("./esm.mjs").value === esm.value);
console.log("a builtin:", typeof require("node:path").join, "resolve:", require.resolve("./counter.cjs").endsWith("counter.cjs"));
try {
  require("./missing.cjs");
} catch (err) {
  console.log("missing:", err.code);
}
