// @ts-check
/**
 * The runtime's end of hotnode's control socket: newline-delimited JSON, requests matched to
 * replies by `rid`, everything else handed to one listener. The socket is unref'd while no
 * request is outstanding, so it never keeps an app alive that would otherwise exit.
 */
import net from "node:net";
import { readHotnodeMessage } from "./protocol.mjs";

/**
 * @typedef {import("./protocol.mjs").HotnodeMessage} HotnodeMessage
 * @typedef {import("./protocol.mjs").RuntimeMessage} RuntimeMessage
 * @typedef {import("./protocol.mjs").RuntimeRequest} RuntimeRequest
 * @typedef {import("./protocol.mjs").HelloMessage} HelloMessage
 */

export class Channel {
  /** @param {net.Socket} socket */
  constructor(socket) {
    this.socket = socket;
    /** @type {Map<number, {resolve: (v: any) => void, reject: (e: Error) => void}>} */
    this.pending = new Map();
    this.nextId = 1;
    /** @type {(message: HotnodeMessage) => void} */
    this.onMessage = () => {};
    /**
     * Sees each reply as it arrives, before its waiter (whose `await` resumes a microtask
     * later, after the messages read with it): the modules a fetch brought must be in place
     * before an update of one of them that came in the same read.
     * @type {(reply: HotnodeMessage) => void}
     */
    this.onReply = () => {};
    this.closed = false;
    // A start-up reply carries thousands of modules in one line of megabytes: the pieces of an
    // unfinished line are kept apart and joined once, and only each new chunk is searched, so
    // reading a line costs its length (appending to one string and searching it from the start
    // on every chunk was quadratic: 65 ms of a 2,000-module start).
    /** @type {string[]} */
    let pieces = [];
    socket.setEncoding("utf8");
    socket.on("data", (/** @type {string} */ chunk) => {
      let start = 0;
      let newline;
      while ((newline = chunk.indexOf("\n", start)) !== -1) {
        pieces.push(chunk.slice(start, newline));
        const line = pieces.length === 1 ? pieces[0] : pieces.join("");
        pieces = [];
        start = newline + 1;
        if (line) this.dispatch(line);
      }
      if (start < chunk.length) pieces.push(start === 0 ? chunk : chunk.slice(start));
    });
    /** @type {() => void} */
    this.onClose = () => {};
    socket.on("close", () => {
      this.closed = true;
      this.onClose();
      for (const { reject } of this.pending.values()) reject(new Error("hotnode closed the connection"));
      this.pending.clear();
    });
    socket.on("error", () => {});
    socket.unref();
  }

  /**
   * @param {string} path
   * @param {HelloMessage} hello the first message: the session token, and who this process is
   * @returns {Promise<Channel>}
   */
  static connect(path, hello) {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection(path, () => {
        const channel = new Channel(socket);
        channel.send(hello);
        resolve(channel);
      });
      socket.once("error", reject);
    });
  }

  /** @param {string} line */
  dispatch(line) {
    /** @type {HotnodeMessage} */
    let message;
    try {
      message = readHotnodeMessage(line);
    } catch (err) {
      // A hotnode and a runtime of different builds, or a bug: said, not acted on.
      process.emitWarning(`[hot] ignored a message from hotnode: ${err instanceof Error ? err.message : err}`);
      return;
    }
    if ("rid" in message && this.pending.has(message.rid)) {
      const waiter = this.pending.get(message.rid);
      this.pending.delete(message.rid);
      if (this.pending.size === 0) this.socket.unref();
      this.onReply(message);
      waiter?.resolve(message);
      return;
    }
    this.onMessage(message);
  }

  /** @param {RuntimeMessage} message */
  send(message) {
    if (!this.closed) this.socket.write(JSON.stringify(message) + "\n");
  }

  /**
   * Sends `message` with a new `rid` and resolves with hotnode's reply to it.
   * @param {RuntimeRequest} message
   * @returns {Promise<any>}
   */
  request(message) {
    const rid = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error("hotnode closed the connection"));
      this.pending.set(rid, { resolve, reject });
      this.socket.ref();
      this.send(/** @type {RuntimeMessage} */ ({ ...message, rid }));
    });
  }
}
