// Import bindings are immutable: assigning to one throws a TypeError after the right-hand side
// ran; a local of the same name in an inner scope is an ordinary variable.
import { B, c } from "./b.js";
const log = [];
try { B = (log.push("rhs ran"), null); } catch (e) { console.log("fn:", e.constructor.name, e.message, log); }
try { c++; } catch (e) { console.log("let:", e.constructor.name, e.message); }
try { c += 2; } catch (e) { console.log("compound:", e.constructor.name, e.message); }
function shadow(c) { c = 5; return c; }
console.log("shadowed:", shadow(1), "still:", B(), c);
