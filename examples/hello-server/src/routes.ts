import type { IncomingMessage, ServerResponse } from "node:http";
import { greeting } from "./greeting.js";

export interface Context {
  served: number;
}

export function handle(req: IncomingMessage, res: ServerResponse, ctx: Context): void {
  if (req.url === "/health") {
    res.end("ok\n");
    return;
  }
  res.setHeader("content-type", "text/plain");
  res.end(`${greeting("world")} (request #${ctx.served}, pid ${process.pid})\n`);
}
