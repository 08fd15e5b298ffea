// @ts-check
/**
 * Runs webpack's hot test cases (`cases/<category>/<name>`, from webpack's test/hotCases) under
 * hotnode, each in a fresh folder at its first version, through `harness.cjs`.
 *
 *   node run.mjs --hotnode <bin> [--json] [--jobs N] [case ...]
 *
 * Prints a line per case (`PASS`/`FAIL category/name`, and why), then the count. With `--json`,
 * one JSON object per case instead. Exits with 0 whatever passed: the caller (the Rust test
 * `webpack_hotcases_e2e`) decides what must.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const casesDir = path.join(here, "cases");
const CASE_TIMEOUT_MS = 60_000;

const args = process.argv.slice(2);
const flag = (/** @type {string} */ name) => {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const [, value] = args.splice(at, 2);
  return value;
};
const json = args.includes("--json");
if (json) args.splice(args.indexOf("--json"), 1);
const hotnode = flag("--hotnode") ?? "hotnode";
const jobs = Math.max(1, Number(flag("--jobs") ?? 1));
const wanted = args;

/** Every case folder: `category/name` (webpack skips names with `_`). */
function allCases() {
  return fs
    .readdirSync(casesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((category) =>
      fs
        .readdirSync(path.join(casesDir, category.name), { withFileTypes: true })
        .filter((d) => d.isDirectory() && !d.name.includes("_"))
        .map((d) => `${category.name}/${d.name}`),
    )
    .sort();
}

/**
 * One case: its folder made at version 0 (the harness writes later versions), hotnode run on
 * the harness, the harness's lines read.
 * @param {string} name
 * @returns {Promise<{ name: string, ok: boolean, why: string, tests: unknown[], output: string }>}
 */
async function runCase(name) {
  // webpack's layout: test/hotCases/<category>/<name>, test/hotCases/update.js (a case's
  // `require("../../update")`), test/helpers.
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "hotnode-hotcase-"));
  const dir = path.join(root, "hotCases", name);
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(casesDir, "update.js"), path.join(root, "hotCases", "update.js"));
  fs.cpSync(path.join(here, "helpers"), path.join(root, "helpers"), { recursive: true });
  // webpack's own package.json says no "type": the cases' .js files are ES modules or CommonJS
  // by their syntax.
  fs.writeFileSync(path.join(root, "package.json"), '{ "name": "hotcases", "private": true }\n');
  fs.symlinkSync(path.join(here, "node_modules"), path.join(root, "node_modules"));
  fs.copyFileSync(path.join(here, "harness.cjs"), path.join(dir, "__harness.cjs"));
  const source = path.join(casesDir, name);
  copyVersion0(source, dir);
  // The case's folder is the working folder, as it is webpack's context: module ids are
  // `./a.js`; the project root holds update.js too (webpack bundles it with the case).
  const child = spawn(hotnode, ["--apply", "manual", "--root", root, "--require", "./__harness.cjs", "index.js"], {
    cwd: dir,
    env: { ...process.env, HOTCASE_SOURCE: source, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk) => (out += chunk));
  child.stderr.on("data", (chunk) => (err += chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), CASE_TIMEOUT_MS);
  const ended = new Promise((resolve) => child.on("close", resolve));
  // The harness says when it is done; hotnode may keep running (a crash waits for a change).
  const done = new Promise((resolve) => {
    const poll = setInterval(() => {
      if (out.includes('HOTCASE {"end":true}')) {
        clearInterval(poll);
        resolve(undefined);
      }
    }, 20);
    child.on("close", () => {
      clearInterval(poll);
      resolve(undefined);
    });
  });
  await done;
  child.kill("SIGTERM");
  await ended;
  clearTimeout(timer);
  if (!process.env.HOTCASE_KEEP) fs.rmSync(root, { recursive: true, force: true });
  const lines = out
    .split("\n")
    .filter((l) => l.startsWith("HOTCASE "))
    .map((l) => JSON.parse(l.slice("HOTCASE ".length)));
  const tests = lines.filter((l) => "test" in l);
  const problems = lines.filter((l) => ("test" in l && !l.ok) || "uncaught" in l || "error" in l);
  const finished = lines.some((l) => l.end);
  const ok = finished && tests.length > 0 && problems.length === 0;
  const why = ok
    ? ""
    : !finished
      ? `did not finish${lines.length ? "" : ` (hotnode said: ${err.trim().split("\n").slice(-6).join(" | ")})`}`
      : problems.map((p) => `${p.test ?? ""}: ${(p.error ?? p.uncaught ?? "").split("\n")[0]}`).join("; ") || "no tests";
  return { name, ok, why, tests: lines, output: `${out}${err}` };
}

/** @param {string} from @param {string} to */
function copyVersion0(from, to) {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) {
      fs.mkdirSync(target, { recursive: true });
      copyVersion0(source, target);
    } else {
      fs.writeFileSync(target, fs.readFileSync(source, "utf8").split(/---+\r?\n/g)[0]);
    }
  }
}

const names = wanted.length ? wanted : allCases();
/** @type {Awaited<ReturnType<typeof runCase>>[]} */
const results = new Array(names.length);
let next = 0;
// Cases are independent (each its own folder and hotnode): `jobs` of them at a time.
await Promise.all(
  Array.from({ length: Math.min(jobs, names.length) }, async () => {
    while (next < names.length) {
      const i = next++;
      results[i] = await runCase(names[i]);
    }
  }),
);
let passed = 0;
for (const result of results) {
  if (result.ok) passed += 1;
  if (json) console.log(JSON.stringify({ name: result.name, ok: result.ok, why: result.why }));
  else console.log(`${result.ok ? "PASS" : "FAIL"} ${result.name}${result.ok ? "" : `: ${result.why}`}`);
  // One case asked for: all it printed.
  if (!json && names.length === 1) console.log(result.output);
}
if (!json) console.log(`${passed} of ${names.length} passed`);
