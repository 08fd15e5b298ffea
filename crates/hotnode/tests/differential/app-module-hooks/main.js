import "./hooks.js";
const { default: config } = await import("virtual:config");
const { default: text } = await import("./note.txt");
console.log("config", config.answer, "text", text.trim());
const { answer } = await import("./app.js");
console.log("app", answer);
// What no hook serves is what node says it is.
const missing = await import("virtual:other").catch((e) => e.code);
console.log("unserved", missing);
const unknown = await import("./data.yaml").catch((e) => e.code);
console.log("unknown extension", unknown);
