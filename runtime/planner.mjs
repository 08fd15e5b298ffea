// @ts-check
/**
 * Update planning: a pure function of the live graph and hot registrations. From each changed
 * module, walk to importers until a boundary: a module that accepts itself, or an importer that
 * accepts the module the walk came from. Everything walked is re-evaluated. A declined module,
 * or a module with no importers that does not accept itself, means the update cannot be hot.
 * The walk touches only the modules between the change and its boundaries.
 */

/**
 * @typedef {object} PlanGraph
 * @property {(id: string) => Iterable<string>} importers
 * @property {(id: string) => boolean} selfAccepts  accept() / accept(cb) / a satisfied acceptExports
 * @property {(importer: string, dep: string) => boolean} acceptsDep
 * @property {(id: string) => boolean} declined
 * @property {(importer: string, dep: string) => boolean} [declinesDep]  webpack's decline(dep)
 * @property {(id: string) => boolean} [isEntry]  without it, any module without importers is an entry
 * @property {(importer: string, dep: string) => boolean} [importedAsBoundary]  the importer imports
 *   `dep` with hot-hook's `import(dep, import.meta.hot?.boundary)`
 *
 * @typedef {{ boundary: string, accepted: string, lazy?: boolean }} Boundary  `lazy`: an `import()`
 *   boundary (hot-hook's), replaced when it is next imported instead of re-evaluated now
 * @typedef {{ type: "update", reevaluate: string[], boundaries: Boundary[] }} HotPlan
 * @typedef {{ type: "reload", path: string, reason: "declined" | "declined-dependency" | "unaccepted" | "watched",
 *   chain: string[], parent?: string, why?: string }} ReloadPlan  `parent`: the importer that declined
 *   `path`; `why`: why an unaccepted change could not be refreshed either (`refresh.mjs`)
 */

/**
 * @param {Iterable<string>} changed
 * @param {PlanGraph} graph
 * @param {Set<string>} [ignoreSelfAccept] modules whose self-acceptance does not count (invalidated)
 * @returns {HotPlan | ReloadPlan}
 */
export function planUpdate(changed, graph, ignoreSelfAccept = new Set()) {
  /** @type {Map<string, string | null>} walked module -> the module the walk came from */
  const cameFrom = new Map();
  /** @type {Boundary[]} */
  const boundaries = [];
  /** @type {string[]} */
  const queue = [];
  for (const id of changed) {
    if (!cameFrom.has(id)) {
      cameFrom.set(id, null);
      queue.push(id);
    }
  }
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i];
    if (graph.declined(id)) return { type: "reload", path: id, reason: "declined", chain: chainOf(id, cameFrom) };
    if (!ignoreSelfAccept.has(id) && graph.selfAccepts(id)) {
      boundaries.push({ boundary: id, accepted: id });
      continue;
    }
    let hasImporter = false;
    for (const importer of graph.importers(id)) {
      hasImporter = true;
      if (graph.importedAsBoundary?.(importer, id)) {
        if (!boundaries.some((b) => b.boundary === id && b.lazy)) boundaries.push({ boundary: id, accepted: id, lazy: true });
        continue;
      }
      if (graph.declinesDep?.(importer, id)) {
        return { type: "reload", path: id, reason: "declined-dependency", chain: [...chainOf(id, cameFrom), importer], parent: importer };
      }
      if (graph.acceptsDep(importer, id)) {
        boundaries.push({ boundary: importer, accepted: id });
      } else if (!cameFrom.has(importer)) {
        cameFrom.set(importer, id);
        queue.push(importer);
      }
    }
    // A module nothing live imports any more (its importers are outdated CommonJS modules not
    // required again yet) is just replaced, as webpack does; the entry must accept.
    if (!hasImporter && (graph.isEntry?.(id) ?? true)) {
      return { type: "reload", path: id, reason: "unaccepted", chain: chainOf(id, cameFrom) };
    }
  }
  // An importer that accepts a dependency but is itself re-evaluated takes the change by
  // re-evaluating; its callback would see a dependency it already imported fresh.
  const reevaluate = [...cameFrom.keys()];
  const walked = new Set(reevaluate);
  return {
    type: "update",
    reevaluate,
    boundaries: boundaries.filter((b) => b.boundary === b.accepted || !walked.has(b.boundary)),
  };
}

/**
 * The chain from the changed file to `id`, for messages like `a.ts -> b.ts -> main.ts`.
 * @param {string} id
 * @param {Map<string, string | null>} cameFrom
 */
function chainOf(id, cameFrom) {
  /** @type {string[]} */
  const chain = [];
  /** @type {string | null | undefined} */
  let at = id;
  while (at != null && !chain.includes(at)) {
    chain.unshift(at);
    at = cameFrom.get(at);
  }
  return chain;
}

/**
 * The planner's view of the live module graph: importers that are evaluated (or evaluating),
 * and each live instance's registrations.
 * @param {Map<string, import("./module-record.mjs").ModuleRecord>} records
 * @param {string | undefined} entryId
 * @returns {PlanGraph}
 */
export function liveGraph(records, entryId) {
  /** @param {string} id */
  const live = (id) => records.get(id)?.hot ?? null;
  return {
    importers: (id) =>
      [...(records.get(id)?.importers ?? [])].filter((r) => r.state === "evaluated" || r.state === "evaluating").map((r) => r.id),
    selfAccepts: (id) => {
      const hot = live(id);
      if (!hot) return false;
      if (hot.acceptsSelf) return true;
      if (!hot.exportsAccept) return false;
      // acceptExports: a boundary only if every importer imports nothing but the accepted names.
      const accepted = new Set(hot.exportsAccept.names);
      const record = /** @type {import("./module-record.mjs").ModuleRecord} */ (records.get(id));
      for (const importer of record.importers) {
        for (const [specifier, target] of Object.entries(importer.deps)) {
          if (!("id" in target) || target.id !== id) continue;
          const names = importer.names[specifier] ?? ["*"];
          if (names.some((n) => !accepted.has(n))) return false;
        }
      }
      return true;
    },
    acceptsDep: (importer, dep) => live(importer)?.acceptsDep(dep) ?? false,
    declined: (id) => live(id)?.declined ?? false,
    declinesDep: (importer, dep) => live(importer)?.declinedDeps.has(dep) ?? false,
    // Code node runs (a package) importing a module accepts nothing: like the entry, it must accept.
    isEntry: (id) => id === entryId || Boolean(records.get(id)?.servedToNode),
    importedAsBoundary: (importer, dep) => records.get(importer)?.boundaryImports?.has(dep) ?? false,
  };
}
