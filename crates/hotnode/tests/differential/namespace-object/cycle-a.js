import * as b from "./cycle-b.js";
export let early = "early";
export function hoisted() {}
export const report = b.seen;
