// require() of ES modules where the node has it (process.features.require_module): the
// namespace (with __esModule beside a default export), "module.exports", a graph with
// top-level await refused before it runs.
console.log("require_module:", process.features.require_module);
function attempt(specifier) {
  try {
    return require(specifier);
  } catch (err) {
    return `${err.code}: ${err.message.split("\n")[0]}`;
  }
}
const ns = attempt("./esm.mjs");
console.log(ns, typeof ns === "object" && ns.x, require("./esm.mjs") === ns);
console.log(attempt("./module-exports.mjs"));
console.log(attempt("./uses-builtin.mjs"));
console.log(attempt("./tla.mjs"));
console.log(attempt("./imports-tla.mjs"));
import("./named-only.mjs").then((imported) => {
  console.log("import() then require():", attempt("./named-only.mjs") === imported);
  return import("./esm.mjs");
}).then((imported) => {
  console.log("import() of a required module:", imported === ns, imported.default, "__esModule" in imported);
});
