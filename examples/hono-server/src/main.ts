import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { routes } from "./routes.js";

// The node server and the outer app survive hot updates; the outer app hands each request to
// the current `routes` (rebound by hotnode when routes.tsx is updated).
const port = Number(process.env.PORT ?? 3000);
const app = new Hono();
app.all("*", (c) => routes.fetch(c.req.raw));

const server = serve({ fetch: app.fetch, port }, () =>
  console.log(`hono listening on http://localhost:${port} (pid ${process.pid})`),
);

import.meta.hot?.accept("./routes.js");
import.meta.hot?.dispose(() => new Promise<void>((resolve) => server.close(() => resolve())));
