// @ts-check
/**
 * The protocol's two sides cannot drift: hotnode's messages (golden samples written by its Rust
 * test from `HotnodeMessage`) all parse here, and the runtime's messages (written here from
 * `toHotnode`, the only place the runtime builds them) are the samples hotnode's Rust test
 * parses. `HOTNODE_BLESS=1` writes the runtime's samples anew.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { test } from "node:test";
import { readHotnodeMessage, toHotnode } from "../protocol.mjs";

const samples = new URL("./protocol-samples/", import.meta.url);

test("every message hotnode sends parses, and every kind is among the samples", () => {
  const lines = readFileSync(new URL("to-runtime.jsonl", samples), "utf8").split("\n").filter(Boolean);
  const kinds = new Set(lines.map((line) => readHotnodeMessage(line).type));
  assert.deepEqual([...kinds].sort(), ["ack", "custom", "error", "go", "modules", "print", "reload", "update"]);
});

test("the messages the runtime sends are the golden samples hotnode parses", () => {
  /** @param {object} request @param {number} rid */
  const withRid = (request, rid) => ({ ...request, rid });
  const messages = [
    toHotnode.hello({ token: "0123abcd", pid: 42, parent: null, role: null, generation: 1, entry: "/app/src/main.ts", node: "22.12.0" }),
    toHotnode.hello({ token: "0123abcd", pid: 43, parent: 42, role: "cluster worker", generation: 1, entry: "/app/src/main.ts", node: "22.12.0" }),
    toHotnode.hello({ token: "0123abcd", pid: 44, parent: null, role: null, generation: 2, entry: "/app/src/main.ts", node: "22.12.0", standby: true }),
    toHotnode.started(12, 38, 11),
    withRid(toHotnode.fetch("./routes.js", "/app/src/main.ts"), 1),
    withRid(toHotnode.fetch("/app/src/main.ts", null), 2),
    withRid(toHotnode.check(), 3),
    toHotnode.settled(4),
    toHotnode.updated({
      changed: ["/app/src/a.ts"],
      reevaluated: ["/app/src/a.ts", "/app/src/main.ts"],
      accepted: ["/app/src/main.ts"],
      failed: [{ id: "/app/src/b.ts", message: "boom", stack: "Error: boom\n    at /app/src/b.ts:1:7" }],
      ms: 1.25,
    }),
    toHotnode.updated({ changed: ["/app/src/users.ts"], reevaluated: [], accepted: [], nextImport: ["/app/src/users.ts"], failed: [], ms: 0.5 }),
    toHotnode.updated({ changed: ["/app/src/server.ts"], reevaluated: [], accepted: [], refreshed: ["/app/src/server.ts"], refreshedFunctions: 2, failed: [], ms: 0.75 }),
    withRid(toHotnode.restart({ path: "/app/src/a.ts", reason: "unaccepted", chain: ["/app/src/a.ts", "/app/src/main.ts"] }), 5),
    toHotnode.restart({ path: "/app/src/a.ts", reason: "declined", chain: ["/app/src/a.ts"] }),
    toHotnode.restart({ path: "/app/src/a.ts", reason: "declined-dependency", chain: ["/app/src/a.ts", "/app/src/main.ts"] }),
    toHotnode.restart({ path: "/app/src/a.ts", reason: "unaccepted", chain: ["/app/src/a.ts"], why: "function setup ran while the app started" }),
    toHotnode.restart({ path: "/app/.env", reason: "watched", chain: ["/app/.env"] }),
    toHotnode.invalidate("/app/src/a.ts", "not accepting this one"),
    toHotnode.invalidate("/app/src/a.ts", undefined),
    toHotnode.loaded("/app/src/plugins/extra.js", "require() with a computed specifier"),
    toHotnode.signal("SIGTERM"),
    toHotnode.custom("app:ping", { n: 1 }),
    toHotnode.prompt(true),
  ];
  const now = messages.map((m) => JSON.stringify(m) + "\n").join("");
  const path = new URL("to-hotnode.jsonl", samples);
  if (process.env.HOTNODE_BLESS) writeFileSync(path, now);
  assert.equal(now, readFileSync(path, "utf8"), "to-hotnode.jsonl is out of date: run with HOTNODE_BLESS=1 and check hotnode's protocol tests");
});
