// Types of hotnode's two hot-update APIs: Vite's `import.meta.hot` (with dynohot's extensions)
// and webpack's `module.hot`. `client.d.ts` puts them on `import.meta` and `module`; import
// from "hotnode-hmr/hot" to name them, or to add your custom events to `CustomEventMap`.

/** What an accept callback receives: the new module's exports (live: later updates show too). */
export type ModuleNamespace = Record<string, any>;

// ---------------------------------------------------------------------------------------------
// import.meta.hot

/** One boundary of an update, as in Vite's `vite:beforeUpdate` payload. */
export interface Update {
  type: "js-update";
  /** The module whose accept handler takes the update (absolute path). */
  path: string;
  /** The module it accepts: itself, or the dependency it named (absolute path). */
  acceptedPath: string;
  timestamp: number;
  explicitImportRequired: boolean;
  isWithinCircularImport: boolean;
}

export interface UpdatePayload {
  type: "update";
  updates: Update[];
}

export interface PrunePayload {
  type: "prune";
  /** Modules no longer imported by anything (absolute paths). */
  paths: string[];
}

export interface FullReloadPayload {
  type: "full-reload";
  /** The module that could not be updated hot (declined, or reached the entry unaccepted). */
  path?: string;
  /** The changed module the update started from. */
  triggeredBy?: string;
}

export interface ErrorPayload {
  type: "error";
  err: {
    message: string;
    stack: string;
    /** The file that failed (absolute path). */
    id?: string;
    /** A code frame, for a file that does not parse. */
    frame?: string;
    loc?: { file: string; line: number; column: number } | null;
    [key: string]: unknown;
  };
}

export interface InvalidatePayload {
  path: string;
  message: string | undefined;
}

/**
 * Payloads of the events `on`, `off` and `send` know. Add your own custom events here:
 *
 * ```ts
 * declare module "hotnode-hmr/hot" {
 *   interface CustomEventMap { "cache:flush": { keys: string[] } }
 * }
 * ```
 */
export interface CustomEventMap {
  "vite:beforeUpdate": UpdatePayload;
  "vite:afterUpdate": UpdatePayload;
  "vite:beforePrune": PrunePayload;
  "vite:beforeFullReload": FullReloadPayload;
  "vite:error": ErrorPayload;
  "vite:invalidate": InvalidatePayload;
}

export type InferCustomEventPayload<T extends string> = T extends keyof CustomEventMap ? CustomEventMap[T] : any;

/**
 * `import.meta.hot` (also `import.meta.dynoHot`): Vite's API, with dynohot's extensions.
 * A handler may return a promise: hotnode awaits it before it goes on.
 */
export interface ViteHotContext {
  /** `{}` on the first instance; the same object is handed to every next instance. */
  readonly data: any;

  /** Accept updates of this module: it is re-evaluated alone, its importers are not. */
  accept(): void;
  /** As `accept()`; the old instance's `cb` gets the new module after it evaluated. */
  accept(cb: (mod: ModuleNamespace | undefined) => void): void;
  /** Accept updates of a dependency (a specifier as in this module's imports). */
  accept(dep: string, cb?: (mod: ModuleNamespace | undefined) => void): void;
  /** Accept updates of several dependencies; entries not updated are `undefined`. */
  accept(deps: readonly string[], cb?: (mods: Array<ModuleNamespace | undefined>) => void): void;

  /** This module is its own boundary while its importers use only these exports. */
  acceptExports(exportNames: string | readonly string[], cb?: (mod: ModuleNamespace | undefined) => void): void;

  /** Runs before this instance is replaced (or the process restarts); awaited. */
  dispose(cb: (data: any) => void): void;
  /** Runs when no module imports this one any more. */
  prune(cb: (data: any) => void): void;
  /** This module cannot be updated hot: an update that reaches it restarts the app (dynohot). */
  decline(): void;
  /** In an accept callback: give up accepting this update; elsewhere: update this module. */
  invalidate(message?: string): void;

  /** Listen to an event; returns a function that removes the listener. */
  on<T extends string>(event: T, cb: (payload: InferCustomEventPayload<T>) => void): () => void;
  off<T extends string>(event: T, cb: (payload: InferCustomEventPayload<T>) => void): void;
  /** Send a custom event to hotnode and the session's other processes. */
  send<T extends string>(event: T, data?: InferCustomEventPayload<T>): void;
}

// ---------------------------------------------------------------------------------------------
// module.hot (webpack)

/** A module id: hotnode's ids are absolute paths. */
export type ModuleId = string | number;

export type HotStatus = "idle" | "check" | "prepare" | "ready" | "dispose" | "apply" | "abort" | "fail";

export interface AcceptedEvent {
  type: "accepted";
  moduleId: ModuleId;
  outdatedModules: ModuleId[];
  outdatedDependencies: Record<string, ModuleId[]>;
}

export interface DeclinedEvent {
  type: "declined" | "self-declined";
  moduleId: ModuleId;
  /** The importer that declined `moduleId` ("declined" only). */
  parentId?: ModuleId;
  chain: ModuleId[];
}

export interface UnacceptedEvent {
  type: "unaccepted";
  moduleId: ModuleId;
  chain: ModuleId[];
}

export interface DisposedEvent {
  type: "disposed";
  moduleId: ModuleId;
}

export type ErroredEvent =
  | { type: "accept-errored"; moduleId: ModuleId; dependencyId: ModuleId; error: Error }
  | { type: "accept-error-handler-errored"; moduleId: ModuleId; dependencyId: ModuleId; error: Error; originalError: Error }
  | { type: "self-accept-errored"; moduleId: ModuleId; error: Error }
  | { type: "self-accept-error-handler-errored"; moduleId: ModuleId; error: Error; originalError: Error };

export interface ApplyOptions {
  ignoreUnaccepted?: boolean;
  ignoreDeclined?: boolean;
  ignoreErrored?: boolean;
  onDeclined?(event: DeclinedEvent): void;
  onUnaccepted?(event: UnacceptedEvent): void;
  onAccepted?(event: AcceptedEvent): void;
  onDisposed?(event: DisposedEvent): void;
  onErrored?(event: ErroredEvent): void;
}

/** `module.hot` (also `import.meta.webpackHot`): webpack's API. */
export interface WebpackHot {
  /** `false` once this instance was disposed. */
  readonly active: boolean;
  /** What the previous instance's dispose handlers left; `undefined` on the first instance. */
  readonly data: any;

  /** Accept updates of dependencies; `callback` gets the outdated ids. */
  accept(
    dependencies: string | readonly string[],
    callback?: (outdatedDependencies: ModuleId[]) => void,
    errorHandler?: (err: Error, context: { moduleId: ModuleId; dependencyId: ModuleId }) => void,
  ): void;
  /** Accept updates of this module: it is required again after the update. */
  accept(errorHandler?: (err: Error, context: { moduleId: ModuleId; module: unknown }) => void): void;

  /** Updates reaching this module (or these dependencies) abort. */
  decline(dependencies?: string | readonly string[]): void;

  dispose(callback: (data: any) => void): void;
  addDisposeHandler(callback: (data: any) => void): void;
  removeDisposeHandler(callback: (data: any) => void): void;
  invalidate(): void;

  /** Take in the changes hotnode has seen; the updated ids, or `null` when there are none. */
  check(autoApply?: boolean | ApplyOptions): Promise<ModuleId[] | null>;
  /** Apply a checked update (status `ready`); the updated ids. */
  apply(options?: ApplyOptions): Promise<ModuleId[]>;

  status(): HotStatus;
  status(callback: (status: HotStatus) => void): void;
  addStatusHandler(callback: (status: HotStatus) => void): void;
  removeStatusHandler(callback: (status: HotStatus) => void): void;
}
