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
  const update = { type: "update", seq: 1, modules: [{ id: "/a.js", code }] };
  const line = JSON.stringify(update) + "\n";
  const chunks = [];
  for (let i = 0; i < line.length; i += 65_536) chunks.push(line.slice(i, i + 65_536));
  assert.ok(chunks.length > 3);
  assert.deepEqual(receive(chunks), [update]);
});

test("several lines in one chunk, and a chunk ending exactly at a newline", () => {
  const m = (/** @type {number} */ n) => `{"type":"custom","event":"e","data":${n}}`;
  const messages = receive([`${m(1)}\n${m(2)}\n{"type":"custom",`, '"event":"e","data":3}\n', "\n", m(4), "\n"]);
  assert.deepEqual(
    messages.map((message) => message.data),
    [1, 2, 3, 4],
  );
});

test("a message the runtime does not know is reported and goes nowhere", () => {
  /** @type {string[]} */
  const warnings = [];
  const warn = (/** @type {any} */ w) => warnings.push(String(w.message ?? w));
  process.on("warning", warn);
  const messages = receive(['{"type":"teleport"}\n', '{"type":"update","seq":"x"}\n', "not json\n"]);
  return new Promise((resolve) => setImmediate(resolve)).then(() => {
    process.off("warning", warn);
    assert.deepEqual(messages, []);
    assert.equal(warnings.length, 3, warnings.join("\n"));
    assert.match(warnings[0], /unknown message type "teleport"/);
  });
});

test("a reply goes to its request, not to the listener", async () => {
  const socket = new FakeSocket();
  const channel = new Channel(/** @type {any} */ (socket));
  /** @type {any[]} */
  const others = [];
  channel.onMessage = (message) => others.push(message);
  const reply = channel.request({ type: "check" });
  const rid = JSON.parse(/** @type {string} */ (socket.written)).rid;
  socket.emit("data", `{"type":"custom","event":"e"}\n{"type":"ack","rid":${rid}}\n`);
  assert.deepEqual(await reply, { type: "ack", rid });
  assert.deepEqual(others, [{ type: "custom", event: "e" }]);
});
