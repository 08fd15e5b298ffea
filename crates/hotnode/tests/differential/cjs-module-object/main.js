// node's `module` in CommonJS: require.main, module.id ".", parent, children, process.mainModule.
const { Module } = require("node:module");
console.log("main:", require.main === module, module.id, module.parent, process.mainModule === module, module instanceof Module);
console.log("main filename ok:", require.main.filename === __filename, module.loaded, module.children.length);
const other = require("./other.js");
console.log("children:", module.children.length, module.children[0] && module.children[0].id === require.resolve("./other.js"));
import("./esm.mjs").then(() => console.log("done"));
