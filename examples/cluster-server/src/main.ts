import cluster from "node:cluster";

const port = Number(process.env.PORT ?? 3000);
const workers = Number(process.env.WORKERS ?? 2);

if (cluster.isPrimary) {
  console.log(`primary ${process.pid}: ${workers} workers on http://localhost:${port}`);
  for (let i = 0; i < workers; i++) cluster.fork();
  // The processes of one hotnode session reach each other with custom events: each worker says
  // it is ready, and the primary welcomes it.
  import.meta.hot?.on("worker:ready", (data: { pid: number }) => {
    import.meta.hot?.send("primary:welcome", { pid: data.pid, primary: process.pid });
  });
} else {
  await import("./server.js");
}
