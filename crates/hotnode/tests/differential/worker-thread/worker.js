import { parentPort, workerData, isMainThread, threadId } from "node:worker_threads";
import { double } from "./math.js";
parentPort.postMessage({
  value: double(workerData.base),
  isMainThread,
  threadId: threadId > 0,
  argv: process.argv.slice(2),
  argv1: process.argv[1].endsWith("worker.js"),
});
