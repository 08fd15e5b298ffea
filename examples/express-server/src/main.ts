import express from "express";
import { router } from "./routes.js";

// The app, its listening socket and this counter survive hot updates of the routes.
const port = Number(process.env.PORT ?? 3000);
let served = 0;

const app = express();
app.use((req, res, next) => {
  served += 1;
  res.locals.served = served;
  next();
});
// `router` is read at each request: after an update of routes.ts it is the new router
// (hotnode rebinds the import, as dynohot does).
app.use((req, res, next) => router(req, res, next));

const server = app.listen(port, () => console.log(`express listening on http://localhost:${port} (pid ${process.pid})`));

import.meta.hot?.accept("./routes.js", () => console.log(`routes updated after ${served} requests`));
// Runs before a restart (an edit of this file): close the port so the next process can take it.
import.meta.hot?.dispose(
  () =>
    new Promise<void>((resolve) =>
      server.close(() => {
        console.log(`express closed port ${port}`);
        resolve();
      }),
    ),
);
