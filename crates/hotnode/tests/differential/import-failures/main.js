// What the app sees of an import that gives no module: the class of error node's loader throws.
const seen = async (what, load) => {
  try {
    await load();
    console.log(what, "loaded");
  } catch (e) {
    console.log(what, e instanceof SyntaxError ? "SyntaxError" : e.constructor.name, e.code ?? "");
  }
};
await seen("syntax error:", () => import("./bad.mjs"));
await seen("invalid JSON:", () => import("./bad.json", { with: { type: "json" } }));
await seen("missing file:", () => import("./missing.mjs"));
await seen("missing package:", () => import("no-such-package"));
await seen("syntax error in CommonJS:", () => import("./bad.cjs"));
console.log("the app goes on");
