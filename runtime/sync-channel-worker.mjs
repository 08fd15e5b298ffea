// @ts-check
/**
 * The thread behind `SyncChannel`: a sidecar connection to hotnode that passes each request of
 * the main thread on and wakes it with the reply.
 */
import { workerData } from "node:worker_threads";
import { Channel } from "./channel.mjs";

const { socketPath, hello, port, signal } = workerData;
/** @type {Promise<Channel>} */
const connected = Channel.connect(socketPath, hello);

port.on("message", async (/** @type {import("./protocol.mjs").RuntimeRequest} */ message) => {
  /** @type {{ reply: any } | { error: string }} */
  let answer;
  try {
    answer = { reply: await (await connected).request(message) };
  } catch (err) {
    answer = { error: `hotnode could not be asked: ${err instanceof Error ? err.message : err}` };
  }
  port.postMessage(answer);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
});
