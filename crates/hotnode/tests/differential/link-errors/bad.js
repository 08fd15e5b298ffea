console.log("bad ran");
import { nope } from "./lib.js";
console.log(nope);
