import "./cycle-b.js";
export default function () { return "called before the module ran"; }
