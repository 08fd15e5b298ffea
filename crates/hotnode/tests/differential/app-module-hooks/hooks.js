import module from "node:module";
const { registerHooks, register } = module;
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
const hooks = {
  resolve(specifier, context, next) {
    if (specifier === "virtual:config") return { url: "virtual:config", shortCircuit: true };
    return next(specifier, context);
  },
  load(url, context, next) {
    if (url === "virtual:config") return { format: "module", source: "export default { answer: 42 };", shortCircuit: true };
    if (url.endsWith(".txt")) return { format: "module", source: `export default ${JSON.stringify(readFileSync(fileURLToPath(url), "utf8"))};`, shortCircuit: true };
    return next(url, context);
  },
};
if (registerHooks) registerHooks(hooks);
else register("data:text/javascript," + encodeURIComponent(`
import { readFileSync } from "node:fs"; import { fileURLToPath } from "node:url";
export async function resolve(s, c, n) { if (s === "virtual:config") return { url: "virtual:config", shortCircuit: true }; return n(s, c); }
export async function load(u, c, n) {
  if (u === "virtual:config") return { format: "module", source: "export default { answer: 42 };", shortCircuit: true };
  if (u.endsWith(".txt")) return { format: "module", source: "export default " + JSON.stringify(readFileSync(fileURLToPath(u), "utf8")) + ";", shortCircuit: true };
  return n(u, c);
}`));
