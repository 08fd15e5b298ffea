import { fromB } from "./cycle-b.js";
globalThis.order.push("cycle-a");
export function callBack() {
  return fromB;
}
export const late = "late";
