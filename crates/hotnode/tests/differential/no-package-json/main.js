// No package.json anywhere above: node tells an ES module from CommonJS by its syntax, silently.
import { esm } from "./esm.js";
import cjs from "./cjs.js";
console.log("main:", typeof module, typeof require, typeof import.meta.url);
console.log("esm:", esm);
console.log("cjs:", cjs);
