// @ts-check
/**
 * The namespace object of an ES module: the language's exotic object over the module's live
 * bindings, one object across updates unless an update changes the names of a namespace
 * whose names were looked at as a whole.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { app } from "./fake-app.mjs";

/** @param {string[]} names @returns {import("../protocol.mjs").ModuleExports} */
const locals = (names) => ({ local: names.map((n) => [n, n]), indirect: [], stars: [] });

/** @param {string} code @param {string[]} names */
function withDep(code, names) {
  return app({
    "/main.js": {
      code: `const ns = await __vite_ssr_import__("./dep.js");
        globalThis.__ns = ns;
        __vite_ssr_import_meta__.hot.accept("./dep.js", (next) => { globalThis.__next = next; });`,
      deps: { "./dep.js": "/dep.js" },
    },
    "/dep.js": { code, exports: locals(names) },
  });
}

/** @param {string[]} names */
const depCode = (names) =>
  names.map((n) => `Object.defineProperty(__vite_ssr_exports__, "${n}", { enumerable: true, configurable: true, get() { return ${n}; } });`).join("\n") +
  "\n" +
  names.map((n) => `let ${n} = "${n}";`).join("\n");

test("a namespace is the language's exotic object", async () => {
  const t = withDep(depCode(["b", "a"]), ["b", "a"]);
  await t.engine.boot("/main.js");
  const ns = /** @type {any} */ (globalThis).__ns;
  assert.equal(Object.getPrototypeOf(ns), null);
  assert.equal(Object.prototype.toString.call(ns), "[object Module]");
  assert.deepEqual(Reflect.ownKeys(ns), ["a", "b", Symbol.toStringTag]);
  assert.deepEqual(Object.getOwnPropertyDescriptor(ns, "a"), { value: "a", writable: true, enumerable: true, configurable: false });
  assert.equal(Reflect.set(ns, "a", 1), false);
  assert.equal(Reflect.deleteProperty(ns, "a"), false);
  assert.equal(Reflect.deleteProperty(ns, "missing"), true);
  assert.equal(Reflect.defineProperty(ns, "c", { value: 1 }), false);
  assert.equal(Reflect.setPrototypeOf(ns, {}), false);
  assert.equal(Object.isExtensible(ns), false);
  assert.throws(() => Object.freeze(ns), TypeError);
  assert.equal(ns.missing, undefined);
  assert.equal("a" in ns, true);
});

test("an uninspected namespace stays one object and shows new and removed exports", async () => {
  const t = withDep(depCode(["a"]), ["a"]);
  await t.engine.boot("/main.js");
  const ns = /** @type {any} */ (globalThis).__ns;
  assert.equal(ns.a, "a");
  t.files["/dep.js"].exports = locals(["b"]);
  await t.edit("/dep.js", depCode(["b"]));
  assert.equal(/** @type {any} */ (globalThis).__next, ns, "the accept callback gets the same namespace");
  assert.equal(ns.a, undefined);
  assert.equal(ns.b, "b");
  assert.deepEqual(Object.keys(ns), ["b"]);
});

test("an update that changes the names of a sealed namespace gives a new one; the old keeps its names", async () => {
  const t = withDep(depCode(["a"]), ["a"]);
  await t.engine.boot("/main.js");
  const ns = /** @type {any} */ (globalThis).__ns;
  Object.preventExtensions(ns);
  t.files["/dep.js"].exports = locals(["a", "b"]);
  await t.edit("/dep.js", depCode(["a", "b"]));
  const next = /** @type {any} */ (globalThis).__next;
  assert.notEqual(next, ns);
  assert.deepEqual(Object.keys(next), ["a", "b"]);
  assert.deepEqual(Object.keys(ns), ["a"], "a sealed namespace cannot take a name");
  assert.equal(ns.b, "b", "but reads every name live");
  assert.equal(Object.isExtensible(next), false);
});

test("util.inspect shows the live bindings as node shows a namespace", async () => {
  const { inspect } = await import("node:util");
  const t = withDep(depCode(["a"]), ["a"]);
  await t.engine.boot("/main.js");
  const ns = /** @type {any} */ (globalThis).__ns;
  assert.equal(inspect(ns), "[Module: null prototype] { a: 'a' }");
});
