// The name of an anonymous default export is "default"; a default-exported function
// declaration is hoisted, so a circular importer can call it before its module ran.
import "./cycle-a.js";
import fn from "./fn.js";
import gen from "./gen.js";
import Cls from "./cls.js";
import expr from "./expr.js";
import arrow from "./arrow.js";
import ClsExpr from "./clsexpr.js";
console.log(fn.name, fn(), gen.name, Cls.name, Cls.seen, globalThis.staticBlockName, expr.name, arrow.name, ClsExpr.name);
