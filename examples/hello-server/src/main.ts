import http from "node:http";
import { handle } from "./routes.js";

// State that survives hot updates: the server (and its open connections) and a counter.
const port = Number(process.env.PORT ?? 3000);
let served = 0;

const server = http.createServer((req, res) => {
  served += 1;
  // `handle` is read at each request, so after an update of routes.ts it is the new one.
  handle(req, res, { served });
});
server.listen(port, () => console.log(`listening on http://localhost:${port} (pid ${process.pid})`));

// Accept updates of the routes module: main.ts is not re-run, the server keeps listening.
import.meta.hot?.accept("./routes.js", () => console.log("routes updated; requests served so far:", served));
