import type { IncomingMessage, ServerResponse } from "node:http";

export interface Context {
  served: number;
}

export function handle(_req: IncomingMessage, res: ServerResponse, ctx: Context): void {
  res.setHeader("content-type", "text/plain");
  res.end(`Hello from worker ${process.pid} (request #${ctx.served})\n`);
}
