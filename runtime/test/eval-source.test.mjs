// @ts-check
/** The source of a direct `eval`: its `import(` calls, and only those, call the module's import. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { rewriteEvalSource } from "../eval-source.mjs";

test("import( in code becomes the module's import function; strings, comments, templates and regexes stay", () => {
  const cases = [
    ["import('./a.js')", "F('./a.js')"],
    ["x = import ('./a.js')", "x = F ('./a.js')"],
    ["'import(\"x\")'", "'import(\"x\")'"],
    ["// import('x')\nimport('y')", "// import('x')\nF('y')"],
    ["/* import('x') */ import('y')", "/* import('x') */ F('y')"],
    ["`import(${import('z')})`", "`import(${F('z')})`"],
    ["a.import('x')", "a.import('x')"],
    ["x = /import(/; import('q')", "x = /import(/; F('q')"],
    ["a / b; import('q') / 2", "a / b; F('q') / 2"],
    ["return /import(/.test(s)", "return /import(/.test(s)"],
    ["import.meta", "import.meta"],
  ];
  for (const [source, expected] of cases) assert.equal(rewriteEvalSource(source, "F"), expected, source);
  assert.equal(rewriteEvalSource(42, "F"), 42);
});
