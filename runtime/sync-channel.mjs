// @ts-check
/**
 * Synchronous requests to hotnode, for the places node gives no chance to wait: a `require()`
 * with a computed specifier, a module hook of node's. A worker thread (started at the first
 * request, so apps that never need one pay nothing) holds a second connection, a *sidecar*
 * whose fetches count as this process's own; the main thread posts a request and sleeps on a
 * shared word until the worker has put the reply on the port.
 */
import { fileURLToPath } from "node:url";
import { MessageChannel, Worker, receiveMessageOnPort } from "node:worker_threads";

/** node's own, taken before the runtime makes app workers hot (`joinWorkers`): this thread is hotnode's. */
const NativeWorker = Worker;

/** Longer than any transform; past it the wait is reported, not endless. */
const REPLY_TIMEOUT_MS = 60_000;

export class SyncChannel {
  /**
   * @param {string} socketPath
   * @param {import("./protocol.mjs").HelloMessage} hello the process's own hello
   */
  constructor(socketPath, hello) {
    this.socketPath = socketPath;
    this.hello = { ...hello, sidecar: true };
    /** @type {{ port: import("node:worker_threads").MessagePort, signal: Int32Array } | null} */
    this.link = null;
  }

  start() {
    const { port1, port2 } = new MessageChannel();
    const signal = new Int32Array(new SharedArrayBuffer(4));
    const worker = new NativeWorker(fileURLToPath(new URL("./sync-channel-worker.mjs", import.meta.url)), {
      workerData: { socketPath: this.socketPath, hello: this.hello, port: port2, signal },
      transferList: [port2],
      // The app's own preloads (`--import`, `--require`) are not for hotnode's thread.
      execArgv: [],
      stdout: false,
      stderr: false,
    });
    worker.unref();
    port1.unref();
    this.link = { port: port1, signal };
    return this.link;
  }

  /**
   * Sends `message` and returns hotnode's reply to it, blocking this thread until it comes.
   * @param {import("./protocol.mjs").RuntimeRequest} message
   * @returns {any}
   */
  request(message) {
    const { port, signal } = this.link ?? this.start();
    Atomics.store(signal, 0, 0);
    port.postMessage(message);
    if (Atomics.wait(signal, 0, 0, REPLY_TIMEOUT_MS) === "timed-out") {
      throw new Error(`hotnode did not answer a synchronous ${message.type} (${JSON.stringify(message)}) within ${REPLY_TIMEOUT_MS / 1000} s`);
    }
    const received = receiveMessageOnPort(port);
    if (!received) throw new Error(`hotnode's reply to a synchronous ${message.type} was lost`);
    if ("error" in received.message) throw new Error(received.message.error);
    return received.message.reply;
  }
}
