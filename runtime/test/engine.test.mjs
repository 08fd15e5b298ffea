// @ts-check
/**
 * The engine against modules in the module-runner form (what hotnode's transform emits),
 * served by a fake channel instead of hotnode.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { app } from "./fake-app.mjs";

/** @type {string[]} */
let log = [];
/** @type {any} */ (globalThis).__log = (/** @type {string} */ line) => log.push(line);

test("an accepted dependency is rebound in its importer; its namespace object stays the same", async () => {
  log = [];
  const t = app({
    "/main.js": {
      deps: { "./dep.js": "/dep.js" },
      code: `const d = await __vite_ssr_import__("./dep.js");
        globalThis.__ns = d;
        __vite_ssr_import_meta__.hot.accept("./dep.js", (m) => __log("cb " + m.v + " " + d.v + " " + (m === globalThis.__ns)));`,
    },
    "/dep.js": { code: `Object.defineProperty(__vite_ssr_exports__, "v", { enumerable: true, configurable: true, get() { return v; } }); const v = 1;` },
  });
  await t.engine.boot("/main.js");
  await t.edit("/dep.js", `Object.defineProperty(__vite_ssr_exports__, "v", { enumerable: true, configurable: true, get() { return v; } }); const v = 2;`);
  assert.deepEqual(log, ["cb 2 2 true"]);
  const updated = /** @type {any} */ (t.sent.find((m) => /** @type {any} */ (m).type === "updated"));
  assert.deepEqual(updated.reevaluated, ["/dep.js"]);
  assert.deepEqual(updated.accepted, ["/main.js"]);
});

test("a throwing re-evaluation keeps the old bindings, skips the callback, and the next save applies", async () => {
  log = [];
  const dep = (/** @type {string} */ body) => `Object.defineProperty(__vite_ssr_exports__, "v", { enumerable: true, configurable: true, get() { return v; } }); ${body}`;
  const t = app({
    "/main.js": {
      deps: { "./dep.js": "/dep.js" },
      code: `const d = await __vite_ssr_import__("./dep.js");
        globalThis.__read = () => d.v;
        __vite_ssr_import_meta__.hot.accept("./dep.js", (m) => __log("cb " + m.v));
        __vite_ssr_import_meta__.hot.on("vite:error", (p) => __log("error " + p.err.message));`,
    },
    "/dep.js": { code: dep("const v = 1;") },
  });
  await t.engine.boot("/main.js");
  await t.edit("/dep.js", dep(`const v = 2; throw new Error("boom");`));
  assert.equal(/** @type {any} */ (globalThis).__read(), 1);
  assert.deepEqual(log, ["error boom"]);
  const failed = /** @type {any} */ (t.sent.findLast((m) => /** @type {any} */ (m).type === "updated")).failed;
  assert.equal(failed[0].id, "/dep.js");
  await t.edit("/dep.js", dep("const v = 3;"));
  assert.equal(/** @type {any} */ (globalThis).__read(), 3);
  assert.deepEqual(log, ["error boom", "cb 3"]);
});

test("an update whose new code lacks a name an importer imports fails before anything is disposed", async () => {
  log = [];
  /** @param {string} name @param {string} value @returns {any} */
  const dep = (name, value) => ({
    code: `Object.defineProperty(__vite_ssr_exports__, "${name}", { enumerable: true, configurable: true, get() { return ${name}; } });
      __log("dep evaluated ${value}"); const ${name} = ${value};
      __vite_ssr_import_meta__.hot.dispose(() => __log("dep disposed"));`,
    exports: { local: [[name, name]], indirect: [], stars: [] },
  });
  const t = app({
    "/main.js": {
      deps: { "./dep.js": "/dep.js" },
      names: { "./dep.js": ["a"] },
      code: `const d = await __vite_ssr_import__("./dep.js", { importedNames: ["a"] });
        globalThis.__read = () => d.a;
        __vite_ssr_import_meta__.hot.accept("./dep.js", () => __log("accepted"));`,
    },
    "/dep.js": /** @type {any} */ (dep("a", "1")),
  });
  await t.engine.boot("/main.js");
  t.files["/dep.js"] = { ...t.files["/dep.js"], ...dep("b", "2") };
  await t.edit("/dep.js", t.files["/dep.js"].code);
  assert.deepEqual(log, ["dep evaluated 1"], "nothing disposed, nothing evaluated");
  assert.equal(/** @type {any} */ (globalThis).__read(), 1);
  const failed = /** @type {any} */ (t.sent.findLast((m) => /** @type {any} */ (m).type === "updated")).failed;
  assert.deepEqual(failed.map((/** @type {any} */ f) => f.id).sort(), ["/dep.js", "/main.js"]);
  assert.match(failed[0].message, /The requested module '\.\/dep\.js' does not provide an export named 'a'/);
  // The importer's fix applies both.
  t.files["/dep.js"] = { ...t.files["/dep.js"], ...dep("a", "3") };
  await t.edit("/dep.js", t.files["/dep.js"].code);
  assert.equal(/** @type {any} */ (globalThis).__read(), 3);
  assert.deepEqual(log, ["dep evaluated 1", "dep disposed", "dep evaluated 3", "accepted"]);
});

test("an update nobody accepts runs dispose handlers, asks for a restart and exits", async () => {
  log = [];
  const t = app({
    "/main.js": {
      deps: { "./dep.js": "/dep.js" },
      code: `await __vite_ssr_import__("./dep.js");
        __vite_ssr_import_meta__.hot.on("vite:beforeFullReload", (p) => __log("reload " + p.type + " " + p.path));`,
    },
    "/dep.js": { code: `__vite_ssr_import_meta__.hot.dispose(() => __log("dispose dep"));` },
  });
  await t.engine.boot("/main.js");
  await t.edit("/dep.js", `/* v2 */`);
  assert.deepEqual(log, ["reload full-reload /main.js", "dispose dep"]);
  assert.deepEqual(t.exits, [0]);
  const restart = /** @type {any} */ (t.sent.find((m) => /** @type {any} */ (m).type === "restart"));
  assert.deepEqual(restart.chain, ["/dep.js", "/main.js"]);
});

test("updates queue: a change arriving during an async accept callback waits for it", async () => {
  log = [];
  const t = app({
    "/main.js": {
      deps: { "./dep.js": "/dep.js" },
      code: `await __vite_ssr_import__("./dep.js");
        __vite_ssr_import_meta__.hot.accept("./dep.js", async (m) => { __log("start " + m.v); await new Promise((r) => setTimeout(r, 30)); __log("end " + m.v); });`,
    },
    "/dep.js": { code: `Object.defineProperty(__vite_ssr_exports__, "v", { enumerable: true, configurable: true, get() { return 1; } });` },
  });
  await t.engine.boot("/main.js");
  const first = t.edit("/dep.js", `Object.defineProperty(__vite_ssr_exports__, "v", { enumerable: true, configurable: true, get() { return 2; } });`);
  while (!log.includes("start 2")) await new Promise((r) => setTimeout(r, 1));
  const second = t.edit("/dep.js", `Object.defineProperty(__vite_ssr_exports__, "v", { enumerable: true, configurable: true, get() { return 3; } });`);
  await Promise.all([first, second]);
  assert.deepEqual(log, ["start 2", "end 2", "start 3", "end 3"]);
});

test("versions that arrive before their update started are applied once, the newest", async () => {
  log = [];
  const t = app({
    "/main.js": {
      deps: { "./dep.js": "/dep.js" },
      code: `await __vite_ssr_import__("./dep.js");
        __vite_ssr_import_meta__.hot.accept("./dep.js", (m) => __log("got " + m.v));`,
    },
    "/dep.js": { code: `Object.defineProperty(__vite_ssr_exports__, "v", { enumerable: true, configurable: true, get() { return 1; } });` },
  });
  await t.engine.boot("/main.js");
  const first = t.edit("/dep.js", `Object.defineProperty(__vite_ssr_exports__, "v", { enumerable: true, configurable: true, get() { return 2; } });`);
  const second = t.edit("/dep.js", `Object.defineProperty(__vite_ssr_exports__, "v", { enumerable: true, configurable: true, get() { return 3; } });`);
  await Promise.all([first, second]);
  assert.deepEqual(log, ["got 3"]);
});

test("hot.on('message') receives update failures and returns an unsubscribe function", async () => {
  log = [];
  const t = app({
    "/main.js": {
      deps: { "./dep.js": "/dep.js" },
      code: `await __vite_ssr_import__("./dep.js");
        const off = __vite_ssr_import_meta__.hot.on("message", (text) => __log("message " + text));
        globalThis.__off = off;
        __vite_ssr_import_meta__.hot.accept("./dep.js", () => {});`,
    },
    "/dep.js": { code: `` },
  });
  await t.engine.boot("/main.js");
  await t.edit("/dep.js", `throw new Error("broken")`);
  assert.deepEqual(log, ["message [hot] update of /dep.js failed: broken"]);
  /** @type {any} */ (globalThis).__off();
  await t.edit("/dep.js", `throw new Error("again")`);
  assert.deepEqual(log, ["message [hot] update of /dep.js failed: broken"]);
});

test("a module loaded by import() after evaluation is not pruned when its importer is re-evaluated", async () => {
  log = [];
  const lazy = `__vite_ssr_import_meta__.hot.prune(() => __log("lazy pruned")); globalThis.__lazyEvaluations = (globalThis.__lazyEvaluations ?? 0) + 1;`;
  const routes = (/** @type {string} */ v) => `globalThis.__load = () => __vite_ssr_dynamic_import__("./lazy.js"); /* ${v} */`;
  const t = app({
    "/main.js": { deps: { "./routes.js": "/routes.js" }, code: `await __vite_ssr_import__("./routes.js"); __vite_ssr_import_meta__.hot.accept("./routes.js", () => __log("routes updated"));` },
    "/routes.js": { deps: { "./lazy.js": "/lazy.js" }, code: routes("v1") },
    "/lazy.js": { code: lazy },
  });
  await t.engine.boot("/main.js");
  await /** @type {any} */ (globalThis).__load();
  await t.edit("/routes.js", routes("v2"));
  await /** @type {any} */ (globalThis).__load();
  assert.deepEqual(log, ["routes updated"]);
  assert.equal(/** @type {any} */ (globalThis).__lazyEvaluations, 1);
});

test("a lazily imported module that threw on first evaluation runs its fixed code at the next import", async () => {
  const t = app({
    "/main.js": { deps: { "./lazy.js": "/lazy.js" }, code: `globalThis.__loadLazy = () => __vite_ssr_dynamic_import__("./lazy.js");` },
    "/lazy.js": { code: `throw new Error("not yet");` },
  });
  await t.engine.boot("/main.js");
  await assert.rejects(/** @type {any} */ (globalThis).__loadLazy(), /not yet/);
  await t.edit("/lazy.js", `Object.defineProperty(__vite_ssr_exports__, "ok", { enumerable: true, configurable: true, get() { return true; } });`);
  const ns = await /** @type {any} */ (globalThis).__loadLazy();
  assert.equal(ns.ok, true);
});

test("require() of an app module from CommonJS evaluates it once; a throwing one rethrows its error each time", async () => {
  log = [];
  const t = app({
    "/main.js": { deps: { "./a.cjs": "/a.cjs" }, code: `const a = await __vite_ssr_import__("./a.cjs"); __log("main " + a.default.value);` },
    "/a.cjs": {
      format: "cjs",
      deps: { "./b.cjs": "/b.cjs", "./bad.cjs": "/bad.cjs" },
      code: `const b = require("./b.cjs"); const again = require("./b.cjs");
        let failure = ""; try { require("./bad.cjs"); } catch (e) { failure = e.message; }
        try { require("./bad.cjs"); } catch (e) { failure += "/" + e.message; }
        module.exports = { value: b.n + " same=" + (b === again) + " " + failure };`,
    },
    "/b.cjs": { format: "cjs", code: `__log("b evaluated"); module.exports = { n: 1 };` },
    "/bad.cjs": { format: "cjs", code: `throw new Error("bad");` },
  });
  // The fake channel answers one module per fetch; CommonJS needs its requires up front.
  for (const id of ["/b.cjs", "/bad.cjs"]) await t.registry.fetch(id, null);
  await t.engine.boot("/main.js");
  assert.deepEqual(log, ["b evaluated", "main 1 same=true bad/bad"]);
  assert.equal(t.registry.records.get("/bad.cjs")?.state, "errored");
  assert.equal(t.registry.running.size, 0);
});

test("an unchanged importer re-evaluated by an update runs its compiled code again; the changed module is compiled anew", async () => {
  log = [];
  const exportV = (/** @type {string} */ value) =>
    `Object.defineProperty(__vite_ssr_exports__, "v", { enumerable: true, configurable: true, get() { return v; } }); const v = ${value};`;
  const t = app({
    "/main.js": {
      deps: { "./mid.js": "/mid.js" },
      code: `const m = await __vite_ssr_import__("./mid.js");
        __vite_ssr_import_meta__.hot.accept("./mid.js", (ns) => __log("mid " + ns.v));`,
    },
    "/mid.js": { deps: { "./leaf.js": "/leaf.js" }, code: `const l = await __vite_ssr_import__("./leaf.js"); ${exportV("l.v * 10")}` },
    "/leaf.js": { code: exportV("1") },
  });
  await t.engine.boot("/main.js");
  const records = t.registry.records;
  const midBefore = /** @type {any} */ (records.get("/mid.js")).compiled;
  const leafBefore = /** @type {any} */ (records.get("/leaf.js")).compiled;
  await t.edit("/leaf.js", exportV("2"));
  assert.deepEqual(log, ["mid 20"], "mid ran again, with the new leaf");
  assert.equal(/** @type {any} */ (records.get("/mid.js")).compiled, midBefore);
  assert.notEqual(/** @type {any} */ (records.get("/leaf.js")).compiled, leafBefore);
});
