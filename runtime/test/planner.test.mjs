// @ts-check
import assert from "node:assert/strict";
import { test } from "node:test";
import { planUpdate } from "../planner.mjs";

/**
 * A graph from a compact description: imports per module, and hot registrations.
 * @param {Record<string, string[]>} imports
 * @param {{ self?: string[], accepts?: Record<string, string[]>, declined?: string[], declines?: Record<string, string[]>, entry?: string,
 *   boundaryImports?: Record<string, string[]> }} [hot]
 */
function graph(imports, hot = {}) {
  /** @type {Map<string, string[]>} */
  const importers = new Map();
  for (const [from, deps] of Object.entries(imports)) {
    for (const dep of deps) importers.set(dep, [...(importers.get(dep) ?? []), from]);
  }
  const visited = new Set();
  return {
    visited,
    importers: (/** @type {string} */ id) => {
      visited.add(id);
      return importers.get(id) ?? [];
    },
    selfAccepts: (/** @type {string} */ id) => (hot.self ?? []).includes(id),
    acceptsDep: (/** @type {string} */ imp, /** @type {string} */ dep) => (hot.accepts?.[imp] ?? []).includes(dep),
    declined: (/** @type {string} */ id) => (hot.declined ?? []).includes(id),
    declinesDep: (/** @type {string} */ imp, /** @type {string} */ dep) => (hot.declines?.[imp] ?? []).includes(dep),
    isEntry: hot.entry === undefined ? undefined : (/** @type {string} */ id) => id === hot.entry,
    importedAsBoundary: (/** @type {string} */ imp, /** @type {string} */ dep) => (hot.boundaryImports?.[imp] ?? []).includes(dep),
  };
}

test("walks from the change up to the importer that accepts it, re-evaluating the chain", () => {
  const g = graph({ main: ["service"], service: ["repo"], repo: ["sql"] }, { accepts: { main: ["service"] } });
  assert.deepEqual(planUpdate(["sql"], g), {
    type: "update",
    reevaluate: ["sql", "repo", "service"],
    boundaries: [{ boundary: "main", accepted: "service" }],
  });
});

test("a self-accepting module is its own boundary and stops the walk", () => {
  const g = graph({ main: ["counter"] }, { self: ["counter"] });
  assert.deepEqual(planUpdate(["counter"], g), {
    type: "update",
    reevaluate: ["counter"],
    boundaries: [{ boundary: "counter", accepted: "counter" }],
  });
});

test("a declined module means reload, naming the module", () => {
  const g = graph({ main: ["config"] }, { declined: ["config"], accepts: { main: ["config"] } });
  const plan = planUpdate(["config"], g);
  assert.equal(plan.type, "reload");
  assert.equal(plan.type === "reload" && plan.reason, "declined");
  assert.equal(plan.type === "reload" && plan.path, "config");
});

test("reaching the entry without a boundary means reload with the chain", () => {
  const g = graph({ main: ["a"], a: ["b"] });
  assert.deepEqual(planUpdate(["b"], g), { type: "reload", path: "main", reason: "unaccepted", chain: ["b", "a", "main"] });
});

test("cycles are walked once", () => {
  const g = graph({ main: ["a"], a: ["b"], b: ["a"] }, { accepts: { main: ["a"] } });
  const plan = planUpdate(["b"], g);
  assert.deepEqual(plan, { type: "update", reevaluate: ["b", "a"], boundaries: [{ boundary: "main", accepted: "a" }] });
});

test("an invalidated module's self-acceptance is ignored", () => {
  const g = graph({ main: ["parent"], parent: ["child"] }, { self: ["child", "parent"] });
  assert.deepEqual(planUpdate(["child"], g, new Set(["child"])), {
    type: "update",
    reevaluate: ["child", "parent"],
    boundaries: [{ boundary: "parent", accepted: "parent" }],
  });
});

test("one edit reaching several boundaries lists each; an accepting importer that is re-evaluated is not one", () => {
  const g = graph(
    { main: ["a", "b"], a: ["util"], b: ["util", "c"], c: ["util"] },
    { accepts: { main: ["a", "b"], b: ["util"] } },
  );
  const plan = planUpdate(["util"], g);
  assert.equal(plan.type, "update");
  if (plan.type !== "update") return;
  assert.deepEqual(new Set(plan.reevaluate), new Set(["util", "a", "c", "b"]));
  assert.deepEqual(plan.boundaries, [
    { boundary: "main", accepted: "a" },
    { boundary: "main", accepted: "b" },
  ]);
});

test("the walk touches only the modules between the change and its boundary", () => {
  /** @type {Record<string, string[]>} */
  const imports = { main: ["probe", "m0"] };
  for (let i = 0; i < 5000; i++) imports[`m${i}`] = [`m${2 * i + 1}`, `m${2 * i + 2}`].filter((m) => Number(m.slice(1)) < 5000);
  imports.probe = ["leaf"];
  const g = graph(imports, { accepts: { main: ["probe"] } });
  planUpdate(["leaf"], g);
  assert.deepEqual([...g.visited].sort(), ["leaf", "probe"]);
});

test("decline(dep) in an importer stops the walk there, naming both (webpack's declined effect)", () => {
  const g = graph({ main: ["service"], service: ["db"], db: ["settings"] }, { declines: { service: ["db"] }, self: ["service"] });
  assert.deepEqual(planUpdate(["settings"], g), {
    type: "reload",
    path: "db",
    reason: "declined-dependency",
    chain: ["settings", "db", "service"],
    parent: "service",
  });
});

test("a module no live module imports is replaced without a boundary; only the entry must accept", () => {
  const g = graph({ main: [] }, { entry: "main" });
  assert.deepEqual(planUpdate(["orphan"], g), { type: "update", reevaluate: ["orphan"], boundaries: [] });
  assert.equal(planUpdate(["main"], g).type, "reload");
});

test("a module imported with hot-hook's boundary marker stops the walk: it is replaced at its next import()", () => {
  // router imports each controller with import(x, import.meta.hot?.boundary); no accept code.
  const g = graph(
    { main: ["router"], router: ["users", "posts"], users: ["format"], posts: ["format"] },
    { entry: "main", boundaryImports: { router: ["users", "posts"] } },
  );
  assert.deepEqual(planUpdate(["users"], g), {
    type: "update",
    reevaluate: ["users"],
    boundaries: [{ boundary: "users", accepted: "users", lazy: true }],
  });
  // A shared helper below two boundaries: each is replaced once, the helper re-evaluated.
  assert.deepEqual(planUpdate(["format"], g), {
    type: "update",
    reevaluate: ["format", "users", "posts"],
    boundaries: [
      { boundary: "users", accepted: "users", lazy: true },
      { boundary: "posts", accepted: "posts", lazy: true },
    ],
  });
  // The router itself is imported statically by the entry: its edit still needs accept code.
  assert.equal(planUpdate(["router"], g).type, "reload");
});

test("hot-hook's boundary globs: * within a folder, ** across folders", async () => {
  const { globToRegExp } = await import("../hot-hook.mjs");
  const controllers = globToRegExp("./app/controllers/**/*.ts");
  assert.ok(controllers.test("app/controllers/users_controller.ts"));
  assert.ok(controllers.test("app/controllers/admin/users_controller.ts"));
  assert.ok(!controllers.test("app/models/user.ts"));
  const middleware = globToRegExp("./app/middleware/*.ts");
  assert.ok(middleware.test("app/middleware/auth.ts"));
  assert.ok(!middleware.test("app/middleware/sub/auth.ts"));
});
