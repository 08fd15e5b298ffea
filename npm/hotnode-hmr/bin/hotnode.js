#!/usr/bin/env node
// The `hotnode` command of the npm package: runs the native binary that npm installed with the
// optional dependency of this platform (`hotnode-hmr-<os>-<cpu>`, as esbuild and biome ship
// theirs), with the same arguments, standard streams and exit status.
"use strict";
const { spawn } = require("node:child_process");

const platformPackage = `hotnode-hmr-${process.platform}-${process.arch}`;
const executable = process.platform === "win32" ? "hotnode.exe" : "hotnode";

/** The binary: `HOTNODE_BINARY_PATH` if set (a build of your own), else the platform package's. */
function findBinary() {
  if (process.env.HOTNODE_BINARY_PATH) return process.env.HOTNODE_BINARY_PATH;
  try {
    return require.resolve(`${platformPackage}/bin/${executable}`);
  } catch {
    console.error(
      `hotnode: the package ${platformPackage} is not installed, so there is no hotnode binary for ` +
        `${process.platform}-${process.arch}. npm installs it with hotnode-hmr unless optional ` +
        `dependencies are left out (--omit=optional, --no-optional): install again with them. ` +
        `On another platform, build hotnode from source (cargo install) and set HOTNODE_BINARY_PATH.`,
    );
    process.exit(1);
  }
}

const child = spawn(findBinary(), process.argv.slice(2), { stdio: "inherit" });
// A signal sent to this process alone (a process manager's kill) reaches hotnode too; hotnode
// takes a second copy of one sent to the whole group (a terminal's Ctrl-C) as the same request.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  });
}
child.on("error", (err) => {
  console.error(`hotnode: cannot run ${err.path ?? "the binary"}: ${err.message}`);
  process.exit(1);
});
child.on("exit", (code, signal) => {
  if (signal) {
    // End as hotnode ended: by the same signal.
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  } else {
    process.exit(code ?? 1);
  }
});
