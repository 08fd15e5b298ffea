import { Hono } from "hono";
import { Page } from "./page.js";

export const routes = new Hono();

routes.get("/", (c) => c.text(`Hello from hono (pid ${process.pid})\n`));
routes.get("/page", (c) => c.html(<Page title="hotnode" />));
routes.get("/users/:id", (c) => c.json({ id: Number(c.req.param("id")), name: `user ${c.req.param("id")}` }));
