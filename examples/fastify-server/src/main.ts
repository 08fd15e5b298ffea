import http from "node:http";
import { buildApp } from "./app.js";

// The listening socket belongs to this module and survives hot updates. Each request goes to
// the current fastify instance through `routing` (fastify's entry for a server it does not
// own); an update of the routes builds a new instance and closes the old one.
const port = Number(process.env.PORT ?? 3000);
let app = await buildApp();

const server = http.createServer((req, res) => app.routing(req, res));
server.listen(port, () => console.log(`fastify listening on http://localhost:${port} (pid ${process.pid})`));

import.meta.hot?.accept("./app.js", async (next) => {
  const previous = app;
  app = await next.buildApp();
  await previous.close();
});
import.meta.hot?.dispose(async () => {
  await new Promise((resolve) => server.close(resolve));
  await app.close();
});
