import cycleA from "./cycle-a.js";
console.log("hoisted:", cycleA(), cycleA.name);
