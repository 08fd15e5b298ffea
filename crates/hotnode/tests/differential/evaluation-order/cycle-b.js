import { callBack, late } from "./cycle-a.js";
globalThis.order.push("cycle-b");
let lateSeen;
try {
  lateSeen = late;
} catch (err) {
  lateSeen = err.constructor.name;
}
export const fromB = `b saw ${typeof callBack} and ${lateSeen}`;
