import { shared } from "./stars.js";
console.log("ambiguous ran", shared);
