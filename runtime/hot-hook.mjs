// @ts-check
/**
 * hot-hook's configuration, for its users: package.json's `"hotHook": { "boundaries": [globs] }`
 * (read from the working folder's package.json, as hot-hook reads it) names files that are
 * boundaries whenever the app imports them with `import()`, with or without
 * `import.meta.hot?.boundary` (AdonisJS's apps list their controllers and middleware so).
 * Globs are matched against the path relative to that package.json's folder: `*` within a
 * folder, `**` across folders, `?` one character.
 */
import fs from "node:fs";
import path from "node:path";

/** @type {{ dir: string, boundaries: RegExp[] } | null} */
let config = null;

/** Reads the working folder's package.json once (none, or no `hotHook`: no boundaries). */
function loaded() {
  if (config) return config;
  const dir = process.cwd();
  /** @type {unknown} */
  let globs = [];
  try {
    globs = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"))?.hotHook?.boundaries ?? [];
  } catch {
    // No package.json, or not JSON: node reports what matters of it; here nothing is a boundary.
  }
  const patterns = Array.isArray(globs) ? globs.filter((g) => typeof g === "string") : [];
  config = { dir, boundaries: patterns.map(globToRegExp) };
  return config;
}

/**
 * Whether hot-hook's configuration makes `file` (an absolute path) a boundary.
 * @param {string} file
 */
export function isConfiguredBoundary(file) {
  const { dir, boundaries } = loaded();
  if (!boundaries.length) return false;
  const relative = path.relative(dir, file);
  return !relative.startsWith("..") && boundaries.some((re) => re.test(relative));
}

/**
 * A glob as a regular expression over a relative path (`./` at its start ignored).
 * @param {string} glob
 */
export function globToRegExp(glob) {
  const body = glob.replace(/^\.\//, "");
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "*" && body[i + 1] === "*") {
      const slash = body[i + 2] === "/";
      out += slash ? "(?:.*/)?" : ".*";
      i += slash ? 2 : 1;
    } else if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else out += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}

/**
 * hot-hook's messages to a parent process that listens over IPC (its runner, AdonisJS's dev
 * server): `hot-hook:invalidated` with the files an update replaced, and `hot-hook:full-reload`
 * with the file that made the app restart (hotnode restarts it itself; the parent is told as
 * hot-hook tells it). Null without an IPC channel from hotnode's parent.
 * @returns {((message: { type: "hot-hook:invalidated", paths: string[] } | { type: "hot-hook:full-reload", path: string, shouldBeReloadable: boolean }) => void) | null}
 */
export function hotHookParent() {
  if (typeof process.send !== "function") return null;
  return (message) => {
    if (process.connected) process.send?.(message);
  };
}
