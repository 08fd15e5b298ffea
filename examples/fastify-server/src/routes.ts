import type { FastifyPluginAsync } from "fastify";

let served = 0;

export const routes: FastifyPluginAsync = async (app) => {
  app.get("/", async (_request, reply) => {
    served += 1;
    reply.type("text/plain");
    return `Hello from fastify (request #${served}, pid ${process.pid})\n`;
  });

  app.get<{ Params: { id: string } }>("/users/:id", async (request) => ({
    id: Number(request.params.id),
    name: `user ${request.params.id}`,
  }));
};
