// @ts-check
/**
 * hotnode's lines and the app's interactive prompt. A `[hot]` line written while a readline
 * prompt waits on the terminal (a CLI's `> `, `rl.question`, a REPL) would land in the middle
 * of the user's input. So the runtime tells hotnode while a prompt is shown, hotnode sends its
 * lines here meanwhile, and they are written above the prompt, which is drawn again with what
 * the user had typed (readline's own redraw).
 *
 * readline, readline/promises and repl share one interface class; its `prompt()` shows a prompt
 * (`question()` calls it too), and `clearLine()` is what Enter does before the line goes to the
 * app.
 */

import { createRequire } from "node:module";

/** Loaded by `followPrompts` only (a start without a terminal does not pay for it). */
let readline = /** @type {typeof import("node:readline") | undefined} */ (undefined);

/**
 * @typedef {import("node:readline").Interface & { terminal?: boolean, closed?: boolean, paused?: boolean,
 *   prevRows?: number, output?: NodeJS.WritableStream }} Prompting
 */

/** @type {Set<Prompting>} */
const shown = new Set();

/**
 * Follows the prompts the app shows on a terminal; `onChange(open)` when the first one appears
 * and when the last one goes.
 * @param {(open: boolean) => void} onChange
 */
export function followPrompts(onChange) {
  readline = /** @type {typeof import("node:readline")} */ (createRequire(import.meta.url)("node:readline"));
  const base = Object.getPrototypeOf(readline.Interface.prototype);
  if (!["prompt", "clearLine", "close"].every((name) => typeof base[name] === "function")) return;
  /** @param {Prompting} rl @param {boolean} on */
  const mark = (rl, on) => {
    const before = shown.size;
    if (on && rl.terminal && !rl.closed) shown.add(rl);
    else shown.delete(rl);
    if ((before === 0) !== (shown.size === 0)) onChange(shown.size > 0);
  };
  /** @param {"prompt" | "clearLine" | "close"} name @param {boolean} on */
  const follow = (name, on) => {
    const original = base[name];
    Object.defineProperty(base, name, {
      value: /** @this {Prompting} */ function (/** @type {unknown[]} */ ...args) {
        // A prompt is shown once drawn; it is gone as the line is taken or the interface closes.
        if (!on) mark(this, false);
        const result = original.apply(this, args);
        if (on) mark(this, true);
        return result;
      },
      writable: true,
      configurable: true,
    });
  };
  follow("prompt", true);
  follow("clearLine", false);
  follow("close", false);
}

/**
 * Writes one of hotnode's lines (or blocks) to stderr, above the prompt shown, if one is.
 * @param {string} text  whole lines, each ending in a newline
 */
export function printAbovePrompt(text) {
  const rl = [...shown].find((rl) => !rl.closed && !rl.paused && rl.output);
  if (!rl || !rl.output || !readline) {
    process.stderr.write(text);
    return;
  }
  const output = rl.output;
  // Up to the prompt's first row, then clear it and what follows (the input may wrap).
  readline.moveCursor(output, 0, -(rl.prevRows ?? 0));
  readline.cursorTo(output, 0);
  readline.clearScreenDown(output);
  process.stderr.write(text);
  rl.prevRows = 0;
  // Draws the prompt and the input again, the cursor where it was.
  rl.prompt(true);
}
