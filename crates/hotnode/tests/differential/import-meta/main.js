// import.meta as node makes it: its keys, `main` where the node has it, and `resolve`.
console.log(Object.keys(import.meta), Object.getPrototypeOf(import.meta));
console.log("main:", import.meta.main, "main" in import.meta);
console.log(import.meta.filename.endsWith("main.js"), import.meta.url.startsWith("file:///"));
const attempts = {
  builtin: () => import.meta.resolve("node:fs"),
  bareBuiltin: () => import.meta.resolve("fs"),
  self: () => import.meta.resolve("./main.js"),
  missingFile: () => import.meta.resolve("./missing.js"),
  missingPackage: () => import.meta.resolve("no-such-package"),
  computedBuiltin: () => import.meta.resolve(["node", "path"].join(":")),
  computedMissing: () => import.meta.resolve(["no-such", "package"].join("-")),
};
for (const [name, attempt] of Object.entries(attempts)) {
  try {
    console.log(name, attempt().replace(import.meta.dirname, "<dir>"));
  } catch (err) {
    console.log(name, "throws", err.code);
  }
}
await import("./other.js");
