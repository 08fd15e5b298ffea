import { Worker } from "node:worker_threads";
import { once } from "node:events";

const worker = new Worker(new URL("./worker.js", import.meta.url), { workerData: { base: 21 }, argv: ["--flag"] });
const exited = once(worker, "exit");
const [reply] = await once(worker, "message");
console.log("reply", JSON.stringify(reply));
const [code] = await exited;
console.log("worker exit", code);

// Code that is not an app file starts as it would without hotnode.
const evaluated = new Worker("require('node:worker_threads').parentPort.postMessage(6 * 7)", { eval: true });
console.log("eval", (await once(evaluated, "message"))[0]);

const failing = new Worker(new URL("./fails.js", import.meta.url));
const [err] = await once(failing, "error");
console.log("error event", err.message);
