// The module namespace object: what `import * as`, `import()` and `export *` give.
import def, * as ns from "./lib.js";
import * as cycle from "./cycle-a.js";
import { shared } from "./stars.js";
import * as stars from "./stars.js";

console.log(def, Object.prototype.toString.call(ns), Object.getPrototypeOf(ns));
console.log(Reflect.ownKeys(ns));
console.log(Object.getOwnPropertyDescriptor(ns, "alpha"));
console.log(Object.isExtensible(ns), Object.isFrozen(ns), Object.isSealed(ns));
for (const attempt of [
  () => { ns.alpha = 1; },
  () => { delete ns.alpha; },
  () => { Object.defineProperty(ns, "zeta", { value: 1 }); },
  () => { Object.setPrototypeOf(ns, {}); },
  () => Object.freeze(ns),
]) {
  try {
    attempt();
    console.log("no error");
  } catch (err) {
    console.log(err.constructor.name);
  }
}
console.log(Reflect.deleteProperty(ns, "nope"), "alpha" in ns, "nope" in ns, ns.nope);
console.log(ns);
console.log(JSON.stringify(ns), Object.entries(ns).length);
const again = await import("./lib.js");
console.log("import() gives the same object:", again === ns);
console.log(cycle.report);
console.log("stars:", Object.keys(stars), shared, "ambiguous" in stars);
