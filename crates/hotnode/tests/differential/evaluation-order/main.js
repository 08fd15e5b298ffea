// The order modules evaluate in: depth first, an async module's siblings run while it waits,
// a cycle sees the other module's hoisted functions, and a module waits for its async imports.
import "./log.js";
import "./async-dep.js";
import { sawFlag } from "./sync-sibling.js";
import { callBack } from "./cycle-a.js";
import "./after-cycle.js";

globalThis.order.push("main");
console.log(globalThis.order.join(" > "));
console.log("sibling saw:", sawFlag, "cycle:", callBack());
queueMicrotask(() => console.log("microtask after main"));
await null;
console.log("main after await");
