// An import of a name the module does not export fails before any module of its graph runs.
const report = (e) => console.log(e.name + ": " + e.message);
await import("./bad.js").then(() => console.log("bad loaded"), report);
await import("./ambiguous.js").then(() => console.log("ambiguous loaded"), report);
await import("./fine.js").then((m) => console.log("fine loaded", m.renamed), report);
await import("./json-named.js").then(() => console.log("json loaded"), report);
