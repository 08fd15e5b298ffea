import * as a from "./cycle-a.js";
const seen = [];
for (const read of [() => typeof a.hoisted, () => a.early, () => Object.keys(a), () => "early" in a]) {
  try {
    seen.push(read());
  } catch (err) {
    seen.push(`${err.constructor.name}: ${err.message}`);
  }
}
console.log(a);
export { seen };
