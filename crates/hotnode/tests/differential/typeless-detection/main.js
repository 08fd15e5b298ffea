// A package without "type": a .js file with module syntax is an ES module (node detects
// it), one without is CommonJS.
import { v } from "./lib.js";
import plain from "./plain.js";
console.log("main is ESM:", typeof require === "undefined", typeof import.meta.url);
console.log("lib:", v, "plain:", plain.kind, plain.isCommonJs);
