// Import attributes as the node running the app checks them: JSON needs { type: "json" },
// nothing else is supported, and a JavaScript module is not of type "json".
const attempts = [
  ["./static-ok.js"],
  ["./static-missing.js"],
  ["./data.json"],
  ["./data.json", { with: { type: "json" } }],
  ["./data.json", { with: { type: "json", extra: "1" } }],
  ["./data.json", { with: { type: "css" } }],
  ["./lib.js", { with: { type: "json" } }],
  ["./lib.js", { with: {} }],
];
for (const [specifier, options] of attempts) {
  try {
    const ns = await import(specifier, options);
    console.log(specifier, JSON.stringify(options), "->", Object.keys(ns).join(","));
  } catch (err) {
    console.log(specifier, JSON.stringify(options), "->", err.name, err.code, err.message.replace(import.meta.dirname, "<dir>"));
  }
}
