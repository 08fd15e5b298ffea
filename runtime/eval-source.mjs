// @ts-check
/**
 * A direct `eval` in an app module runs in the module's scope, but V8 resolves an `import()` in
 * the evaluated code from the script that compiled the module: the runtime's file. The transform
 * passes the source given to a direct eval through here (`eval(__hotnode_eval_source__(src, name))`),
 * and each `import(` in it becomes a call of the module's own import function, `name`, which is
 * in scope there. Strings, comments, templates and regular expressions are skipped, so only code
 * changes.
 */

const REGEX_AFTER_WORD = new Set(["return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else", "yield", "await"]);

/**
 * @param {unknown} source what the app passes to `eval` (anything but a string is returned as is)
 * @param {string} importFunction the module's import function
 * @returns {unknown}
 */
export function rewriteEvalSource(source, importFunction) {
  if (typeof source !== "string" || !source.includes("import")) return source;
  let out = "";
  let copied = 0;
  /** The last significant token: a word, or a punctuator. */
  let last = "";
  /** @type {number[]} open template literals: the brace depth at which each `${` was opened */
  const templates = [];
  let depth = 0;
  let i = 0;
  const n = source.length;
  const skipTemplate = () => {
    // From inside a template's text: to its end (returns after the backtick) or into a `${`.
    while (i < n) {
      const c = source[i];
      if (c === "\\") i += 2;
      else if (c === "`") {
        i++;
        return;
      } else if (c === "$" && source[i + 1] === "{") {
        i += 2;
        templates.push(depth);
        depth++;
        last = "{";
        return;
      } else i++;
    }
  };
  while (i < n) {
    const c = source[i];
    if (c === "/" && source[i + 1] === "/") {
      const end = source.indexOf("\n", i);
      i = end === -1 ? n : end;
    } else if (c === "/" && source[i + 1] === "*") {
      const end = source.indexOf("*/", i + 2);
      i = end === -1 ? n : end + 2;
    } else if (c === "'" || c === '"') {
      i++;
      while (i < n && source[i] !== c && source[i] !== "\n") i += source[i] === "\\" ? 2 : 1;
      i++;
      last = "string";
    } else if (c === "`") {
      i++;
      skipTemplate();
      last = "string";
    } else if (c === "}" && templates.length && templates[templates.length - 1] === depth - 1) {
      templates.pop();
      depth--;
      i++;
      skipTemplate();
      last = "string";
    } else if (c === "/" && (last === "" || (/^[^\w$)\]}]$/.test(last) && last !== "string") || REGEX_AFTER_WORD.has(last))) {
      // A regular expression literal.
      i++;
      let inClass = false;
      while (i < n && source[i] !== "\n") {
        const d = source[i];
        if (d === "\\") i++;
        else if (d === "[") inClass = true;
        else if (d === "]") inClass = false;
        else if (d === "/" && !inClass) break;
        i++;
      }
      i++;
      while (i < n && /[\w$]/.test(source[i])) i++;
      last = "regex";
    } else if (/[\p{ID_Start}$_]/u.test(c)) {
      const start = i;
      while (i < n && /[\p{ID_Continue}$\u200c\u200d]/u.test(source[i])) i++;
      const word = source.slice(start, i);
      if (word === "import" && last !== "." && /^\s*\(/.test(source.slice(i))) {
        out += source.slice(copied, start) + importFunction;
        copied = i;
      }
      last = word;
    } else if (/\s/.test(c)) i++;
    else {
      if (c === "{") depth++;
      else if (c === "}") depth--;
      last = /[0-9]/.test(c) ? "0" : c;
      i++;
      if (last === "0") while (i < n && /[\w.]/.test(source[i])) i++;
    }
  }
  return copied === 0 ? source : out + source.slice(copied);
}
