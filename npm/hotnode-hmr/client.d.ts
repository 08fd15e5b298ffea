// hotnode's hot-update APIs on `import.meta` and `module`. Reference it in one line, in a
// .d.ts of your project or at the top of a module:
//
//   /// <reference types="hotnode-hmr/client" />
//
// or in tsconfig.json: "compilerOptions": { "types": ["node", "hotnode-hmr/client"] }.
// Each is optional: without hotnode (production, packages in node_modules) they are undefined.

interface ImportMeta {
  /** Vite's `import.meta.hot` with dynohot's extensions. */
  readonly hot?: import("./hot.js").ViteHotContext;
  /** The same object as `import.meta.hot` (dynohot's name). */
  readonly dynoHot?: import("./hot.js").ViteHotContext;
  /** webpack's `module.hot`, in an ES module. */
  readonly webpackHot?: import("./hot.js").WebpackHot;
}

// @types/node types `module` as `NodeJS.Module`; without @types/node this declares it.
declare namespace NodeJS {
  interface Module {
    /** webpack's hot-update API for CommonJS modules. */
    hot?: import("./hot.js").WebpackHot;
  }
}
declare var module: NodeJS.Module;
