import path from "node:path";
import { sep } from "node:path";
export const joined = path.join("a", "b") + sep;
