import http from "node:http";
import { handle } from "./routes.js";

// State that survives hot updates: the worker's server (its socket is shared through the
// cluster primary) and a counter.
const port = Number(process.env.PORT ?? 3000);
let served = 0;

const server = http.createServer((req, res) => {
  served += 1;
  // `handle` is a live binding: after an update of routes.ts it is the new function.
  handle(req, res, { served });
});
server.listen(port, () => {
  console.log(`worker ${process.pid} listening`);
  import.meta.hot?.send("worker:ready", { pid: process.pid });
});

import.meta.hot?.on("primary:welcome", (data: { pid: number; primary: number }) => {
  if (data.pid === process.pid) console.log(`worker ${process.pid} welcomed by primary ${data.primary}`);
});

// Each worker accepts its routes: the update reaches every worker, and none of them restarts.
import.meta.hot?.accept("./routes.js", () => console.log(`worker ${process.pid} took the new routes (${served} requests so far)`));
