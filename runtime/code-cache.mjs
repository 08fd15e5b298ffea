// @ts-check
/**
 * V8's code cache of the app's modules, shared by the processes of one session: the next start
 * (a standby process, or a fresh one) compiles each unchanged module from what a running
 * process compiled, including the functions that ran while the app started. V8 compiles a
 * function lazily, at its first call; from the cache those come compiled, so a start spends its
 * time running the app rather than compiling it (2,000 modules: 60 ms of evaluation become 30).
 *
 * One file in the session's private folder (0700, removed when hotnode ends), written whole and
 * renamed into place, so a reader never sees half of one: a header naming each module version
 * (the hash and length of its code and the kind of function it compiles to: the same name is
 * the same text) and the length of its data, then the data. One file, not one per module: 2,000
 * small writes cost a loaded machine more than half a second; one is a single write, off the
 * main thread. V8 checks that data fits its version and flags; data it rejects costs only the
 * read, and the module compiles from source as without a cache.
 */
import fs from "node:fs";
import path from "node:path";

/** Modules whose cached data is made in one turn of the event loop (about 1 ms). */
const MODULES_PER_TURN = 50;
/** How long a standby waits for the running app's save before it compiles without. */
const SAVE_WAIT_MS = 3000;

/**
 * @typedef {{ cacheKey: string, script: import("node:vm").Script | null }} CachedScript  a
 *   compiled module version: its key (empty: never cached) and the script V8 compiled it as
 */

export class CodeCache {
  /**
   * @param {string} dir the session's folder for it (made at the first save)
   * @param {number} generation which of the session's starts this process is
   */
  constructor(dir, generation) {
    this.dir = dir;
    this.generation = generation;
    this.file = path.join(dir, "modules.v8");
    /** Holds the generation of the start whose process saved last. */
    this.savedBy = path.join(dir, "saved-by");
    /** @type {Map<string, Buffer> | null} the saved data by key, read at first need */
    this.entries = null;
    /** Saved once per process (after its start): later saves are the next process's. */
    this.saved = false;
  }

  /**
   * The cached data of a module version, if a process saved it.
   * @param {string} key
   * @returns {Buffer | undefined}
   */
  read(key) {
    if (!key) return undefined;
    this.entries ??= readEntries(this.file);
    return this.entries.get(key);
  }

  /**
   * Saves the compiled code of the app's modules as they stand, the data made a few modules at
   * a time between the app's own work, the file written off the main thread; none of it keeps
   * the process alive. Data this process read is written again as it was.
   * @param {() => Iterable<CachedScript>} scripts what to save, read when the save starts
   */
  async save(scripts) {
    if (this.saved) return;
    this.saved = true;
    await nextTurn();
    const read = this.entries ?? new Map();
    /** @type {[string, Buffer][]} */
    const entries = [];
    let made = 0;
    for (const { cacheKey, script } of [...scripts()]) {
      if (!cacheKey || !script) continue;
      let data = read.get(cacheKey);
      if (!data) {
        if (++made % MODULES_PER_TURN === 0) await nextTurn();
        data = script.createCachedData();
      }
      entries.push([cacheKey, data]);
    }
    // What was read is in `entries` now or not needed: the process holds it no longer (a module
    // compiled after the save, such as one imported later, compiles from source).
    this.entries = new Map();
    const header = Buffer.from(JSON.stringify(entries.map(([key, data]) => [key, data.length])));
    const size = Buffer.alloc(4);
    size.writeUInt32LE(header.length);
    const staged = path.join(this.dir, `modules.${process.pid}.part`);
    try {
      await fs.promises.mkdir(this.dir, { recursive: true, mode: 0o700 });
      await this.removeUnfinished();
      const out = await fs.promises.open(staged, "w", 0o600);
      try {
        await out.writev([size, header, ...entries.map(([, data]) => data)]);
      } finally {
        await out.close();
      }
      await fs.promises.rename(staged, this.file);
      const mark = `${staged}.by`;
      await fs.promises.writeFile(mark, String(this.generation), { mode: 0o600 });
      await fs.promises.rename(mark, this.savedBy);
    } catch {
      // A cache is an optimisation: a full disk, or the folder removed at the session's end,
      // leaves the next start compiling from source.
      await fs.promises.rm(staged, { force: true }).catch(() => {});
    }
  }

  /**
   * Removes what an earlier process left half-written: one that restarted while it was saving.
   * Only the app's process saves, and it has replaced the one before it, so no other is writing.
   */
  async removeUnfinished() {
    const mine = `modules.${process.pid}.`;
    for (const name of await fs.promises.readdir(this.dir)) {
      if (/^modules\.\d+\.part(\.by)?$/.test(name) && !name.startsWith(mine)) {
        await fs.promises.rm(path.join(this.dir, name), { force: true });
      }
    }
  }

  /**
   * Resolves when the process of the start before this one has saved the cache (or after a
   * bounded wait): a standby, made ready right after the app's start, waits for the cache that
   * start is writing, which holds what it compiled.
   * @param {Promise<unknown>} [cutShort] ends the wait early
   */
  async previousSave(cutShort) {
    let over = false;
    void cutShort?.then(() => (over = true));
    for (let waited = 0; !over && waited < SAVE_WAIT_MS && this.lastSaver() < this.generation - 1; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20).unref());
    }
  }

  /** The generation of the start whose process saved last (-1: none). */
  lastSaver() {
    try {
      return Number(fs.readFileSync(this.savedBy, "utf8")) || 0;
    } catch {
      return -1;
    }
  }
}

/**
 * The entries of a cache file; none if there is no file, or it is not one this wrote whole.
 * @param {string} file
 * @returns {Map<string, Buffer>}
 */
export function readEntries(file) {
  /** @type {Map<string, Buffer>} */
  const entries = new Map();
  try {
    const bytes = fs.readFileSync(file);
    const headerEnd = 4 + bytes.readUInt32LE(0);
    const header = JSON.parse(bytes.subarray(4, headerEnd).toString("utf8"));
    let at = headerEnd;
    for (const [key, length] of header) {
      if (typeof key !== "string" || !Number.isSafeInteger(length) || length < 0 || at + length > bytes.length) return new Map();
      entries.set(key, bytes.subarray(at, at + length));
      at += length;
    }
    return at === bytes.length ? entries : new Map();
  } catch {
    return new Map();
  }
}

/** The event loop's next turn, which does not keep the process alive. */
function nextTurn() {
  return new Promise((resolve) => setTimeout(resolve, 0).unref());
}
