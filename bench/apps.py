"""The generated apps the benchmark runs: the same shape in JavaScript and in TypeScript (ES
modules, `import.meta.hot`), and in CommonJS (`.cjs`, `require` and webpack's `module.hot`).

main imports a binary tree of N modules (mods/m0 ... m{N-1}, each exporting its index plus its
children's values, so every one is evaluated), and four small parts with a job each:

- probe imports leaf and prints `OUT v <value>`: main accepts "./probe.js", so a leaf edit
  re-evaluates leaf and probe (the "leaf edit");
- hubs imports 100 users, each importing hub, and prints `OUT h <hub>`: main accepts
  "./hubs.js", so an edit of hub re-evaluates hub, its 100 importers and hubs (the "hub edit");
- big is a 64 KB module printed by bigprobe as `OUT b <value>` (the memory run edits it);
- epoch is imported by main, which nothing accepts: an edit restarts the app (the "restart");
- handler exports the function main's server answers `/h` with, and nothing accepts it either:
  an edit of its body alone is the "handler edit" of an app without accept code (hotnode
  refreshes it in place, docs/REFRESH.md); main prints the server's port as `PORT <n>`.

main prints `READY <tree> <epoch>` once every module has been evaluated: the start is timed
to that line. Specifiers name `.js` files also in TypeScript, as tsc's users write them. In
CommonJS main's accept callback requires probe, hubs and bigprobe again (webpack's way: a
CommonJS module runs its new code when it is next required).
"""
import os

HUB_IMPORTERS = 100
BIG_BYTES = 64 * 1024


def write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def tree_sum(n: int) -> int:
    return n * (n - 1) // 2


def value_module(lang: str, name: str, value: int) -> str:
    if lang == "cjs":
        return f"exports.{name} = {value};\n"
    kind = ": number" if lang == "ts" else ""
    return f"export const {name}{kind} = {value};\n"


def imports(lang: str, names: list, path: str) -> str:
    """`import { value as a } from "path"` or its CommonJS form; names: (exported, local) pairs."""
    if lang == "cjs":
        return f"const {{ {', '.join(f'{e}: {l}' for e, l in names)} }} = require(\"{path}\");\n"
    return f"import {{ {', '.join(f'{e} as {l}' for e, l in names)} }} from \"{path}\";\n"


def big_module(lang: str, value: int) -> str:
    """About 64 KB: a table of strings, so the edit replaces real code, not just one number."""
    kind = ": string[]" if lang == "ts" else ""
    rows, size = [], 0
    while size < BIG_BYTES - 200:
        row = f'  "row {len(rows)} of the big table, version {value}: {"x" * 40}",\n'
        rows.append(row)
        size += len(row)
    declare = "exports.table =" if lang == "cjs" else f"export const table{kind} ="
    return f"{declare} [\n{''.join(rows)}];\n" + value_module(lang, "value", value)


def handler_module(lang: str, value: int) -> str:
    """A request handler as an app without HMR code writes one; the edit changes its body only."""
    req = "req: { url?: string }" if lang == "ts" else "req"
    body = f'  const greeting = "H";\n  return `${{greeting}} {value} ${{req.url}}`;\n'
    if lang == "cjs":
        return f"exports.handle = function handle({req}) {{\n{body}}};\n"
    return f"export function handle({req}){': string' if lang == 'ts' else ''} {{\n{body}}}\n"


def fields(lang: str) -> str:
    if lang == "ts":
        return "constructor(public readonly index: number, public readonly total: number) {}"
    return "constructor(index, total) {\n    this.index = index;\n    this.total = total;\n  }"


def tree_module_body(lang: str, i: int, total: str) -> str:
    """About 1 KB of ordinary code (a class, a function, a template string) around the value, so
    that parsing and transforming a module costs what it does in an app, not in a stub."""
    t = (lambda annotation: annotation) if lang == "ts" else (lambda annotation: "")
    interface = f"interface Shape{i} {{ index: number; total: number; label: string }}\n" if lang == "ts" else ""
    export = "" if lang == "cjs" else "export "
    tail = f"exports.Node{i} = Node{i};\nexports.shape = shape;\nexports.value = value;\n" if lang == "cjs" else ""
    return f"""{interface}{export}class Node{i} {{
  {"private readonly " if lang == "ts" else ""}seen{t(": Map<string, number>")} = new Map();
  {fields(lang)}
  describe(prefix{t(": string")} = "node"){t(": string")} {{
    return `${{prefix}} ${{this.index}} holds ${{this.total}} (${{this.seen.size}} lookups)`;
  }}
  lookup(key{t(": string")}){t(": number")} {{
    const count = (this.seen.get(key) ?? 0) + 1;
    this.seen.set(key, count);
    return count;
  }}
}}
{export}function shape(node{t(f": Node{i}")}){t(f": Shape{i}")} {{
  const label = node.describe("module").toUpperCase();
  return {{ index: node.index, total: node.total, label }};
}}
const node = new Node{i}({i}, {total});
{export}const value{t(": number")} = shape(node).total;
{tail}"""


def generate(root: str, n: int, lang: str) -> None:
    """Writes the app into root (lang: "js", "ts" or "cjs"); files end in `.<lang>`."""
    ext = lang
    typed = lang == "ts"
    spec = "cjs" if lang == "cjs" else "js"
    for i in range(n):
        kids = [c for c in (2 * i + 1, 2 * i + 2) if c < n]
        head = "".join(imports(lang, [("value", f"c{c}")], f"./m{c}.{spec}") for c in kids)
        total = f"{i}{''.join(f' + c{c}' for c in kids)}"
        write(f"{root}/mods/m{i}.{ext}", head + tree_module_body(lang, i, total))
    for u in range(HUB_IMPORTERS):
        export = "exports.value =" if lang == "cjs" else "export const value ="
        write(f"{root}/users/u{u}.{ext}", imports(lang, [("value", "hub")], f"../hub.{spec}") + f"{export} hub + {u};\n")
    write(f"{root}/hubs.{ext}",
          "".join(imports(lang, [("value", f"u{u}")], f"./users/u{u}.{spec}") for u in range(HUB_IMPORTERS))
          + f"const sum = {' + '.join(f'u{u}' for u in range(HUB_IMPORTERS))};\n"
          + f'console.log("OUT h " + (sum - {sum(range(HUB_IMPORTERS))}) / {HUB_IMPORTERS});\n')
    write(f"{root}/hub.{ext}", value_module(lang, "value", 0))
    write(f"{root}/leaf.{ext}", value_module(lang, "value", 0))
    write(f"{root}/probe.{ext}", imports(lang, [("value", "value")], f"./leaf.{spec}") + 'console.log("OUT v " + value);\n')
    write(f"{root}/big.{ext}", big_module(lang, 0))
    write(f"{root}/bigprobe.{ext}", imports(lang, [("value", "value")], f"./big.{spec}") + 'console.log("OUT b " + value);\n')
    write(f"{root}/epoch.{ext}", value_module(lang, "epoch", 0))
    write(f"{root}/handler.{ext}", handler_module(lang, 0))
    write(f"{root}/package.json", '{ "type": "module", "private": true }\n')
    if typed:
        write(f"{root}/tsconfig.json", '{ "compilerOptions": { "target": "es2022", "module": "nodenext", '
                                       '"strict": true, "noEmit": true } }\n')
    if lang == "cjs":
        write(f"{root}/main.{ext}", """const http = require("node:http");
const { value: tree } = require("./mods/m0.cjs");
const { epoch } = require("./epoch.cjs");
const { handle } = require("./handler.cjs");
require("./probe.cjs");
require("./hubs.cjs");
require("./bigprobe.cjs");
const server = http.createServer((req, res) => res.end(req.url === "/h" ? handle(req) : String(tree)));
server.listen(0, () => console.log(`PORT ${server.address().port}`));
console.log(`READY ${tree} ${epoch}`);
module.hot?.accept(["./probe.cjs", "./hubs.cjs", "./bigprobe.cjs"], () => {
  require("./probe.cjs");
  require("./hubs.cjs");
  require("./bigprobe.cjs");
});
""")
        return
    write(f"{root}/main.{ext}", f"""import http from "node:http";
import {{ value as tree }} from "./mods/m0.js";
import {{ epoch }} from "./epoch.js";
import {{ handle }} from "./handler.js";
import "./probe.js";
import "./hubs.js";
import "./bigprobe.js";
const server = http.createServer((req, res) => res.end(req.url === "/h" ? handle(req) : String(tree)));
server.listen(0, () => console.log(`PORT ${{server.address().port}}`));
console.log(`READY ${{tree}} ${{epoch}}`);
import.meta.hot?.accept(["./probe.js", "./hubs.js", "./bigprobe.js"], () => {{}});
""")
