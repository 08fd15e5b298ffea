// node's `require` and `module.paths` in CommonJS, and what a stack frame says of its file
// (what `callsites`, `parent-module` and `import-fresh` read).
const { Module } = require("node:module");
console.log("require keys:", Object.keys(require).join(","));
console.log("extensions:", require.extensions === Module._extensions, Object.keys(require.extensions).join(","));
console.log("cache:", require.cache === Module._cache, "main:", require.main === module);
console.log("paths:", JSON.stringify(module.paths));
console.log("lookup paths:", JSON.stringify(require.resolve.paths("some-package")));
console.log("relative lookup:", JSON.stringify(require.resolve.paths("./x")));
console.log("resolve:", require.resolve("./other.js") === `${__dirname}/other.js`);
const other = require("./other.js");
console.log("other:", JSON.stringify(other.paths) === JSON.stringify(module.paths), other.keys);
Error.prepareStackTrace = (_, sites) => sites;
const site = new Error().stack[0];
Error.prepareStackTrace = undefined;
console.log("frame:", site.getFileName() === __filename, site.isEval(), site.getFunctionName());
import("./esm.mjs").then(({ frame }) => console.log("esm frame:", frame));
