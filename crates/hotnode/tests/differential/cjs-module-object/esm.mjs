import { createRequire } from "node:module";
import "./fromesm.cjs";
