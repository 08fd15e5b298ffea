import { own } from "./stars.js";
import * as ns from "./stars.js";
console.log("fine:", own, typeof ns);
export { present as renamed } from "./lib.js";
