// @ts-check
/**
 * The channel's framing: newline-delimited JSON arriving in chunks of any size, with lines
 * split across chunks or several in one chunk.
 */
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { test } from "node:test";
import { Channel } from "../channel.mjs";

/** A socket as far as the channel uses one: it emits what the test feeds it. */
class FakeSocket extends EventEmitter {
  setEncoding() {}
  ref() {}
  unref() {}
  /** @param {string} text */
  write(text) {
    this.written = (this.written ?? "") + text;
  }
}

/** @param {string[]} chunks */
function receive(chunks) {
  const socket = new FakeSocket();
  const channel = new Channel(/** @type {any} */ (socket));
  /** @type {any[]} */
  const messages = [];
  channel.onMessage = (message) => messages.push(message);
  for (const chunk of chunks) socket.emit("data", chunk);
  return messages;
}

test("a line split over many chunks arrives once, whole", () => {
  const code = "x".repeat(200_000);
  const line = JSON.stringify({ type: "update", code }) + "\n";
  const chunks = [];
  for (let i = 0; i < line.length; i += 65_536) chunks.push(line.slice(i, i + 65_536));
  assert.ok(chunks.length > 3);
  assert.deepEqual(receive(chunks), [{ type: "update", code }]);
});

test("several lines in one chunk, and a chunk ending exactly at a newline", () => {
  const messages = receive(['{"n":1}\n{"n":2}\n{"n"', ':3}\n', "\n", '{"n":4}', "\n"]);
  assert.deepEqual(messages, [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
});

test("a reply goes to its request, not to the listener", async () => {
  const socket = new FakeSocket();
  const channel = new Channel(/** @type {any} */ (socket));
  /** @type {any[]} */
  const others = [];
  channel.onMessage = (message) => others.push(message);
  const reply = channel.request({ type: "fetch" });
  const rid = JSON.parse(/** @type {string} */ (socket.written)).rid;
  socket.emit("data", `{"type":"custom"}\n{"rid":${rid},"ok":true}\n`);
  assert.deepEqual(await reply, { rid, ok: true });
  assert.deepEqual(others, [{ type: "custom" }]);
});
