// @ts-check
/**
 * The webpack face (`module.hot`) against CommonJS modules: apply()'s options and effect
 * objects, each error type, status, data, manual mode, and CommonJS loading itself.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { app, log } from "./fake-app.mjs";
import { webpackContext } from "../webpack-ids.mjs";

// The fake modules live at the root: webpack names them `./main.js`.
webpackContext.dir = "/";

/** @param {string} code @param {Record<string, string>} [deps] @returns {import("./fake-app.mjs").Source} */
const cjs = (code, deps = {}) => ({ code, deps, format: "cjs" });

/**
 * main requires ./dep and accepts it with `accept` (code of the call's arguments).
 * @param {string} accept
 */
function acceptingApp(accept, depCode = "module.exports = 1;") {
  return app({
    "/main.js": cjs(
      `let dep = require("./dep"); globalThis.__hot = module.hot;
       module.hot.accept("./dep", ${accept});`,
      { "./dep": "/dep.js" },
    ),
    "/dep.js": cjs(depCode),
  });
}

/** @returns {any} */
const hot = () => /** @type {any} */ (globalThis).__hot;

test("accept(dep, cb): cb gets the outdated ids and require()s the new version", async () => {
  log.reset();
  const t = acceptingApp(`(ids) => __log("ids " + ids.join() + " value " + require("./dep"))`);
  await t.engine.boot("/main.js");
  await t.edit("/dep.js", "module.exports = 2;");
  assert.deepEqual(log.lines, ["ids ./dep.js value 2"]);
  assert.equal(hot().status(), "idle");
});

test("a callback that throws without an error handler: accept-errored, status fail, then the next change applies", async () => {
  log.reset();
  const t = acceptingApp(`() => { const v = require("./dep"); __log("got " + v); }`);
  await t.engine.boot("/main.js");
  /** @type {string[]} */
  const statuses = [];
  hot().addStatusHandler((/** @type {string} */ s) => statuses.push(s));
  await t.edit("/dep.js", "throw new Error('broken dep');");
  assert.deepEqual(statuses, ["check", "prepare", "dispose", "apply", "fail"]);
  const updated = t.sent.find((m) => m.type === "updated");
  assert.match(updated.failed[0].message, /broken dep/);
  await t.edit("/dep.js", "module.exports = 3;");
  assert.deepEqual(log.lines, ["got 3"]);
  assert.equal(hot().status(), "idle");
});

test("an error handler gets (err, {moduleId, dependencyId}); one that throws reports both errors", async () => {
  log.reset();
  const t = acceptingApp(
    `() => require("./dep"), (err, info) => { __log("handler " + err.message + " " + info.moduleId + " " + info.dependencyId); if (globalThis.__rethrow) throw new Error("handler broke"); }`,
  );
  await t.engine.boot("/main.js");
  await t.edit("/dep.js", "throw new Error('e1');");
  assert.deepEqual(log.lines, ["handler e1 ./main.js ./dep.js"]);
  assert.equal(hot().status(), "idle", "a handler that does not throw keeps the update successful");
  /** @type {any} */ (globalThis).__rethrow = true;
  /** @type {string[]} */
  const errors = [];
  t.events.on("vite:error", (/** @type {any} */ e) => errors.push(e.err.message), {});
  await t.edit("/dep.js", "throw new Error('e2');");
  delete (/** @type {any} */ (globalThis).__rethrow);
  assert.equal(hot().status(), "fail");
  assert.deepEqual(errors, ["handler broke", "e2"]);
  await t.edit("/dep.js", "module.exports = 5;");
  assert.equal(hot().status(), "idle");
});

test("apply(options) in manual mode: onErrored, ignoreErrored, onAccepted and the effect objects", async () => {
  log.reset();
  const t = app(
    {
      "/main.js": cjs(`require("./mid"); globalThis.__hot = module.hot;`, { "./mid": "/mid.js" }),
      "/mid.js": cjs(`require("./leaf"); module.hot.accept("./leaf", () => require("./leaf"));`, { "./leaf": "/leaf.js" }),
      "/leaf.js": cjs(`module.exports = 1;`),
    },
    { manual: true },
  );
  await t.engine.boot("/main.js");
  await t.edit("/leaf.js", "throw new Error('leaf broke');");
  assert.deepEqual(await hot().check(), ["./leaf.js"]);
  assert.equal(hot().status(), "ready");
  /** @type {any[]} */
  const seen = [];
  const renewed = await hot().apply({
    ignoreErrored: true,
    onAccepted: (/** @type {any} */ e) => seen.push(e),
    onErrored: (/** @type {any} */ e) => seen.push({ type: e.type, moduleId: e.moduleId, dependencyId: e.dependencyId, message: e.error.message }),
  });
  assert.deepEqual(renewed, ["./leaf.js"]);
  assert.deepEqual(seen, [
    { type: "accepted", moduleId: "./leaf.js", outdatedModules: ["./leaf.js"], outdatedDependencies: { "./mid.js": ["./leaf.js"] } },
    { type: "accept-errored", moduleId: "./mid.js", dependencyId: "./leaf.js", message: "leaf broke" },
  ]);
  assert.equal(hot().status(), "idle", "ignoreErrored keeps the update successful");
});

test("declined and unaccepted effects: the abort messages, and the ignore options", async () => {
  log.reset();
  const t = app(
    {
      "/main.js": cjs(`require("./a"); require("./b"); globalThis.__hot = module.hot; module.hot.decline("./b");`, { "./a": "/a.js", "./b": "/b.js" }),
      "/a.js": cjs(`module.exports = require("./c");`, { "./c": "/c.js" }),
      "/b.js": cjs(`module.exports = "b";`),
      "/c.js": cjs(`module.hot.decline(); module.exports = "c";`),
    },
    { manual: true },
  );
  await t.engine.boot("/main.js");
  await t.edit("/b.js", `module.exports = "b2";`);
  await hot().check();
  /** @type {any[]} */
  const effects = [];
  await assert.rejects(hot().apply({ onDeclined: (/** @type {any} */ e) => effects.push(e) }), {
    message: "Aborted because of declined dependency: ./b.js in ./main.js\nUpdate propagation: ./b.js -> ./main.js",
  });
  assert.deepEqual(effects, [{ type: "declined", moduleId: "./b.js", parentId: "./main.js", chain: ["./b.js", "./main.js"] }]);
  assert.equal(hot().status(), "abort");
  assert.throws(() => hot().check(), { message: "check() is only allowed in idle status" });

  // A fresh app for the self-declined and unaccepted effects, ignored.
  const u = app(
    {
      "/main.js": cjs(`require("./a"); globalThis.__hot = module.hot;`, { "./a": "/a.js" }),
      "/a.js": cjs(`require("./c"); module.exports = "a";`, { "./c": "/c.js" }),
      "/c.js": cjs(`module.hot.decline(); module.exports = "c";`),
    },
    { manual: true },
  );
  await u.engine.boot("/main.js");
  await u.edit("/c.js", `module.hot.decline(); module.exports = "c2";`);
  await u.edit("/a.js", `require("./c"); module.exports = "a2";`);
  await hot().check();
  effects.length = 0;
  const renewed = await hot().apply({
    ignoreDeclined: true,
    ignoreUnaccepted: true,
    onDeclined: (/** @type {any} */ e) => effects.push(e),
    onUnaccepted: (/** @type {any} */ e) => effects.push(e),
  });
  assert.deepEqual(renewed, []);
  assert.deepEqual(
    effects.map((e) => [e.type, e.moduleId, e.chain.join(">")]).sort(),
    [
      ["self-declined", "./c.js", "./c.js"],
      ["unaccepted", "./main.js", "./a.js>./main.js"],
    ],
  );
  assert.equal(hot().status(), "idle");
});

test("self-accept: re-required after the dependency callbacks; errors go to accept(errorHandler)", async () => {
  log.reset();
  const t = app({
    "/main.js": cjs(`require("./job"); globalThis.__hot = module.hot;`, { "./job": "/job.js" }),
    "/job.js": cjs(`module.hot.accept((err, info) => __log("handler " + err.message + " " + info.moduleId)); __log("job 1");`),
  });
  await t.engine.boot("/main.js");
  await t.edit("/job.js", `module.hot.accept(); __log("job 2"); throw new Error("job 2 broke");`);
  assert.deepEqual(log.lines, ["job 1", "job 2", "handler job 2 broke ./job.js"]);
  assert.equal(hot().status(), "idle", "an error handler that does not throw keeps the update successful");
  // v2 registered accept() without a handler before it threw (webpack's rule: that counts).
  await t.edit("/job.js", `module.hot.accept(); __log("job 3"); throw new Error("job 3 broke");`);
  assert.equal(hot().status(), "fail");
  const updated = t.sent.filter((m) => m.type === "updated").at(-1);
  assert.match(updated.failed[0].message, /job 3 broke/);
});

test("module.hot.data is undefined at first, then the object the dispose handlers filled; removeDisposeHandler and active", async () => {
  log.reset();
  const code = `
    __log("data " + JSON.stringify(module.hot.data));
    const h = (d) => { d.n = (module.hot.data?.n ?? 0) + 1; };
    const removed = () => __log("removed handler ran");
    module.hot.dispose(h); module.hot.addDisposeHandler(removed); module.hot.removeDisposeHandler(removed);
    globalThis.__self = module.hot;
    module.hot.accept();`;
  const t = app({
    "/main.js": cjs(`require("./s"); globalThis.__hot = module.hot;`, { "./s": "/s.js" }),
    "/s.js": cjs(code),
  });
  await t.engine.boot("/main.js");
  const first = /** @type {any} */ (globalThis).__self;
  assert.equal(first.active, true);
  await t.edit("/s.js", code + "\n");
  await t.edit("/s.js", code + "\n\n");
  assert.deepEqual(log.lines, ["data undefined", 'data {"n":1}', 'data {"n":2}']);
  assert.equal(first.active, false);
});

test("status handlers' promises are awaited; removeStatusHandler unregisters", async () => {
  log.reset();
  const t = acceptingApp(`() => __log("callback " + require("./dep"))`);
  await t.engine.boot("/main.js");
  const removed = () => log.lines.push("removed");
  hot().addStatusHandler(removed);
  hot().removeStatusHandler(removed);
  hot().status((/** @type {string} */ s) => {
    log.lines.push("status " + s);
    return new Promise((r) => setTimeout(() => r(log.lines.push("done " + s)), 5));
  });
  await t.edit("/dep.js", "module.exports = 9;");
  assert.deepEqual(log.lines, [
    "status check", "done check", "status prepare", "done prepare", "status dispose", "done dispose",
    "status apply", "done apply", "callback 9", "status idle", "done idle",
  ]);
});

test("manual mode: staged code never runs before apply(), also for a module first loaded meanwhile", async () => {
  log.reset();
  const t = app(
    {
      "/main.js": cjs(`globalThis.__hot = module.hot; globalThis.__req = require; module.hot.accept("./late", () => {});`, { "./late": "/late.js" }),
      "/late.js": cjs(`module.exports = "v1";`),
    },
    { manual: true },
  );
  await t.engine.boot("/main.js");
  await t.edit("/late.js", `module.exports = "v2";`);
  assert.equal(/** @type {any} */ (globalThis).__req("./late"), "v1", "first loaded before check: the applied code");
  await t.edit("/late.js", `module.exports = "v3";`);
  assert.deepEqual(await hot().check(), ["./late.js"]);
  assert.equal(/** @type {any} */ (globalThis).__req("./late"), "v1", "between check and apply: still the applied code");
  await hot().apply();
  assert.equal(/** @type {any} */ (globalThis).__req("./late"), "v3");
  assert.equal(await hot().check(), null, "nothing new");
  assert.equal(hot().status(), "idle");
});

test("manual mode: a file that does not parse takes part as a module that throws its SyntaxError", async () => {
  log.reset();
  const t = acceptingApp(`() => require("./dep"), (err) => __log(err.name + ": " + err.message.split("\\n")[0])`);
  t.status.manual = true;
  await t.engine.boot("/main.js");
  t.brokenSave("/dep.js", "Unexpected token");
  assert.deepEqual(await hot().check(), ["./dep.js"]);
  await hot().apply();
  assert.deepEqual(log.lines, ["SyntaxError: Unexpected token"]);
});

test("invalidate() in idle sets ready; apply() re-runs the module with its self-acceptance ignored", async () => {
  log.reset();
  const t = app({
    "/main.js": cjs(`const c = require("./c"); globalThis.__hot = module.hot; globalThis.__c = c; module.hot.accept("./c", () => __log("main got " + require("./c").gen));`, { "./c": "/c.js" }),
    "/c.js": cjs(`module.hot.accept(); module.hot.dispose((d) => { d.gen = exports.gen; }); exports.gen = (module.hot.data?.gen ?? 0) + 1; exports.invalidate = () => module.hot.invalidate();`),
  });
  await t.engine.boot("/main.js");
  /** @type {any} */ (globalThis).__c.invalidate();
  assert.equal(hot().status(), "ready");
  assert.deepEqual(await hot().apply(), ["./c.js"]);
  assert.deepEqual(log.lines, ["main got 2"]);
  assert.ok(t.sent.some((m) => m.type === "invalidate" && m.path === "/c.js"));
});

test("require cycles get the partial module.exports, as in Node", async () => {
  log.reset();
  const t = app({
    "/main.js": cjs(`require("./a");`, { "./a": "/a.js" }),
    "/a.js": cjs(`exports.early = "a-early"; const b = require("./b"); __log("a sees " + b.fromB); exports.late = "a-late";`, { "./b": "/b.js" }),
    "/b.js": cjs(`const a = require("./a"); __log("b sees " + a.early + " " + a.late); exports.fromB = "b";`, { "./a": "/a.js" }),
  });
  await t.engine.boot("/main.js");
  assert.deepEqual(log.lines, ["b sees a-early undefined", "a sees b"]);
});

test("import/export in a CommonJS-format module: synchronous requires with TypeScript's interop", async () => {
  log.reset();
  const t = app({
    "/main.js": cjs(`require("./ts");`, { "./ts": "/ts.js" }),
    "/ts.js": {
      format: "cjs-interop",
      deps: { "./plain": "/plain.js", "./compiled": "/compiled.js" },
      code: `const __vite_ssr_import_0__ = __vite_ssr_import__("./plain");
        const __vite_ssr_import_1__ = __vite_ssr_import__("./compiled");
        __log("plain default " + __vite_ssr_import_0__.default.name + " named " + __vite_ssr_import_0__.name);
        __log("compiled default " + __vite_ssr_import_1__.default + " named " + __vite_ssr_import_1__.x);
        __log("cjs globals " + typeof module.hot.accept + " " + typeof require + " " + __filename);`,
    },
    "/plain.js": cjs(`module.exports = { name: "plain" };`),
    "/compiled.js": cjs(`Object.defineProperty(exports, "__esModule", { value: true }); exports.default = "dflt"; exports.x = "x";`),
  });
  await t.engine.boot("/main.js");
  assert.deepEqual(log.lines, [
    "plain default plain named plain",
    "compiled default dflt named x",
    "cjs globals function function /ts.js",
  ]);
});

test("ES modules import CommonJS app modules: default is module.exports, named from its properties, rebound on update", async () => {
  log.reset();
  const t = app({
    "/main.mjs": {
      deps: { "./lib.cjs": "/lib.cjs" },
      code: `const __vite_ssr_import_0__ = await __vite_ssr_import__("./lib.cjs");
        globalThis.__read = () => __vite_ssr_import_0__.default.v + " " + __vite_ssr_import_0__.v;
        __vite_ssr_import_meta__.hot.accept("./lib.cjs", (ns) => __log("accepted " + ns.v));`,
    },
    "/lib.cjs": cjs(`exports.v = 1;`),
  });
  await t.engine.boot("/main.mjs");
  assert.equal(/** @type {any} */ (globalThis).__read(), "1 1");
  await t.edit("/lib.cjs", `exports.v = 2;`);
  assert.deepEqual(log.lines, ["accepted 2"]);
  assert.equal(/** @type {any} */ (globalThis).__read(), "2 2");
});

test("a module no code names any more is disposed; required again, it gets its data back", async () => {
  log.reset();
  const t = app({
    "/main.js": cjs(`require("./a"); module.hot.accept("./a", () => require("./a"));`, { "./a": "/a.js" }),
    "/a.js": cjs(`require("./b");`, { "./b": "/b.js" }),
    "/b.js": cjs(`__log("b data " + JSON.stringify(module.hot.data)); module.hot.dispose((d) => { d.kept = 1; });`),
  });
  await t.engine.boot("/main.js");
  t.files["/a.js"].deps = {};
  await t.edit("/a.js", `// b is not required any more`);
  t.files["/a.js"].deps = { "./b": "/b.js" };
  await t.edit("/a.js", `require("./b");`);
  assert.deepEqual(log.lines, ["b data undefined", 'b data {"kept":1}']);
});

test("a self-accept error handler that throws: self-accept-error-handler-errored, both errors reported", async () => {
  log.reset();
  const t = app(
    {
      "/main.js": cjs(`require("./job"); globalThis.__hot = module.hot;`, { "./job": "/job.js" }),
      "/job.js": cjs(`module.hot.accept(() => { throw new Error("handler broke"); });`),
    },
    { manual: true },
  );
  await t.engine.boot("/main.js");
  await t.edit("/job.js", `throw new Error("job broke");`);
  await hot().check();
  /** @type {any[]} */
  const errored = [];
  await assert.rejects(hot().apply({ onErrored: (/** @type {any} */ e) => errored.push(e) }), { message: "handler broke" });
  assert.deepEqual(
    errored.map((e) => [e.type, e.moduleId, e.error.message, e.originalError.message]),
    [["self-accept-error-handler-errored", "./job.js", "handler broke", "job broke"]],
  );
  assert.equal(hot().status(), "fail");
});

test("onDisposed: a module the new code no longer names is reported disposed", async () => {
  log.reset();
  const t = app(
    {
      "/main.js": cjs(`require("./a"); globalThis.__hot = module.hot; module.hot.accept("./a", () => require("./a"));`, { "./a": "/a.js" }),
      "/a.js": cjs(`require("./b");`, { "./b": "/b.js" }),
      "/b.js": cjs(`module.exports = "b";`),
    },
    { manual: true },
  );
  await t.engine.boot("/main.js");
  t.files["/a.js"].deps = {};
  await t.edit("/a.js", `module.exports = "no b";`);
  await hot().check();
  /** @type {any[]} */
  const disposed = [];
  assert.deepEqual(await hot().apply({ onDisposed: (/** @type {any} */ e) => disposed.push(e) }), ["./a.js"]);
  assert.deepEqual(disposed, [{ type: "disposed", moduleId: "./b.js" }]);
});

test("import.meta.webpackHot: the webpack face in an ES module", async () => {
  log.reset();
  const t = app({
    "/main.mjs": {
      deps: { "./dep.mjs": "/dep.mjs" },
      code: `const __vite_ssr_import_0__ = await __vite_ssr_import__("./dep.mjs");
        const hot = __vite_ssr_import_meta__.webpackHot;
        hot.addStatusHandler((s) => __log("status " + s));
        hot.accept("./dep.mjs", (ids) => __log("ids " + ids.join() + " v " + __vite_ssr_import_0__.v));`,
    },
    "/dep.mjs": { code: `Object.defineProperty(__vite_ssr_exports__, "v", { enumerable: true, configurable: true, get() { return 1; } });` },
  });
  await t.engine.boot("/main.mjs");
  await t.edit("/dep.mjs", `Object.defineProperty(__vite_ssr_exports__, "v", { enumerable: true, configurable: true, get() { return 2; } });`);
  assert.deepEqual(log.lines, ["status check", "status prepare", "status dispose", "status apply", "ids ./dep.mjs v 2", "status idle"]);
});

test("an apply() option callback that throws fails the update instead of leaving it half-way", async () => {
  log.reset();
  const t = acceptingApp(`() => __log("got " + require("./dep"))`);
  t.status.manual = true;
  await t.engine.boot("/main.js");
  await t.edit("/dep.js", "module.exports = 2;");
  await hot().check();
  await assert.rejects(hot().apply({ onAccepted: () => { throw new Error("option broke"); } }), { message: "option broke" });
  assert.equal(hot().status(), "fail");
});

test("manual mode: after an abort, a module loaded later still gets the applied code", async () => {
  log.reset();
  const t = app(
    {
      "/main.js": cjs(`require("./a"); globalThis.__hot = module.hot; globalThis.__req = require;`, { "./a": "/a.js", "./late": "/late.js" }),
      "/a.js": cjs(`module.exports = "a1";`),
      "/late.js": cjs(`module.exports = "late1";`),
    },
    { manual: true },
  );
  await t.engine.boot("/main.js");
  await t.edit("/a.js", `module.exports = "a2";`);
  await t.edit("/late.js", `module.exports = "late2";`);
  await hot().check();
  await assert.rejects(hot().apply(), /Aborted because \.\/a\.js is not accepted/);
  assert.equal(/** @type {any} */ (globalThis).__req("./late"), "late1");
});

test("node's module objects: the entry is require.main with id '.', and an updated dependency takes its old version's place among its parent's children", async () => {
  log.reset();
  const t = acceptingApp(
    `() => __log("children " + module.children.length + " parent " + (module.children[0].parent === module) + " value " + require("./dep"))`,
  );
  await t.engine.boot("/main.js");
  const main = /** @type {any} */ (t.registry.records.get("/main.js")).module;
  assert.equal(main.id, ".");
  assert.equal(main.parent, null);
  assert.equal(process.mainModule, main);
  for (let i = 2; i <= 20; i++) await t.edit("/dep.js", `module.exports = ${i};`);
  assert.equal(main.children.length, 1, "a child per version would grow with every update");
  assert.equal(main.children[0], /** @type {any} */ (t.registry.records.get("/dep.js")).module);
  assert.equal(log.lines.at(-1), "children 1 parent true value 20");
});
