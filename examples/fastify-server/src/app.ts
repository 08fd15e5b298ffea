import Fastify from "fastify";
import { routes } from "./routes.js";

export async function buildApp() {
  const app = Fastify();
  await app.register(routes);
  await app.ready();
  return app;
}
