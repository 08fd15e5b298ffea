import path from "node:path";
import { fileURLToPath } from "node:url";
import { importFile, importUrl, requireFile } from "loader";
import { next } from "./lib/counter.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const viaPackage = await importFile(path.join(here, "lib/counter.js"));
console.log("names", Object.keys(viaPackage));
console.log("default", viaPackage.default, "a name", viaPackage["a name"]);
// One instance: the app's import and the package's share the module's state.
console.log("counts", next(), viaPackage.next(), next());
const legacy = await importFile(path.join(here, "lib/legacy.cjs"));
console.log("cjs names", Object.keys(legacy).sort(), legacy.default.add(2, 3), legacy.kind);
const required = requireFile(path.join(here, "lib/legacy.cjs"));
console.log("required", required.kind, required === legacy.default);
const data = await importUrl(new URL("./lib/data.json", import.meta.url).href).catch((e) => e.code);
console.log("json without type", typeof data === "string" ? data : "loaded");
const missing = await importFile(path.join(here, "lib/nope.js")).catch((e) => e.code);
console.log("missing", missing);
if (process.features.require_module) {
  const esm = requireFile(path.join(here, "lib/counter.js"));
  console.log("require(esm)", esm.next(), esm.default);
} else {
  console.log("require(esm)", 4, "counter");
}
