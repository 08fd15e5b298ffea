// Stack traces of app code as node prints them: ES module frames as file:// URLs, CommonJS
// frames as paths, original lines and columns, node's names for callbacks and the top level.
// (Frames of node's own internals differ by node version and are left out.)
import { createRequire } from "node:module";
import { fail, Service } from "./lib.js";
import * as lib from "./lib.js";

const here = new URL(".", import.meta.url).href;
const dir = here.slice("file://".length);
const show = (err) =>
  console.log(
    err.stack
      .split("\n")
      .filter((line) => !line.includes("node:internal") && !line.includes("node:"))
      .map((line) => line.replaceAll(here, "<url>/").replaceAll(dir, "<dir>/"))
      .join("\n"),
  );

function caller() {
  fail("direct");
}
try { caller(); } catch (err) { show(err); }
try { lib.fail("through the namespace"); } catch (err) { show(err); }
try { new Service().run(); } catch (err) { show(err); }
try { [1].map(() => fail("in a callback")); } catch (err) { show(err); }
const require = createRequire(import.meta.url);
const legacy = require("./legacy.cjs");
try { legacy.boom(); } catch (err) { show(err); }
show(legacy.topLevel);
await new Promise((resolve) =>
  setTimeout(() => {
    try { fail("in a timer"); } catch (err) { show(err); }
    resolve();
  }, 1),
);
async function later() {
  await null;
  fail("after an await");
}
try { await later(); } catch (err) { show(err); }
const captured = {};
Error.captureStackTrace(captured);
show(captured);
