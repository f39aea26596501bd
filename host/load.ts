// Copyright 2026 the wskemu authors. MIT license.
/**
 * Loading a driver: a TypeScript module that exports DriverEntry, or (with the
 * C-drivers work) a `.wasm` built by `deno task driver build`.
 *
 * @module
 */
import type { DriverModule } from "./driver_module.ts";

/** A driver that cannot be loaded; the message says why, in one line. */
export class DriverLoadError extends Error {
  /** Builds the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DriverLoadError";
  }
}

/** How to load a driver. */
export interface LoadOptions {
  /** Wasm memory size in 64 KiB pages, for a `.wasm` driver. */
  memoryPages?: number;
}

function fileUrl(path: string): string {
  if (/^[a-z]+:\/\//i.test(path)) return path;
  const absolute = path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
  return new URL(`file://${absolute.split("/").map(encodeURIComponent).join("/")}`).href;
}

async function loadWasm(path: string, options: LoadOptions): Promise<DriverModule> {
  // Imported on demand: a TypeScript driver never pays for the C loader.
  const { loadWasmDriver } = await import("./wasm/mod.ts");
  return await loadWasmDriver(path, { memoryPages: options.memoryPages });
}

/**
 * Loads the driver at `path`: a `.ts`/`.js` module must export a
 * `DriverEntry` function; a `.wasm` goes to the C driver loader. Throws a
 * DriverLoadError with a one-line reason when it cannot.
 *
 * @example Usage
 * ```ts
 * import { DriverLoadError, loadDriver } from "@wskemu/wsk/host";
 * import assert from "node:assert/strict";
 *
 * await assert.rejects(loadDriver("no/such/driver.ts"), DriverLoadError);
 * ```
 */
export async function loadDriver(path: string, options: LoadOptions = {}): Promise<DriverModule> {
  if (path.endsWith(".wasm")) return await loadWasm(path, options);
  if (/\.[ch]$/i.test(path)) {
    throw new DriverLoadError(
      `${path} is C source: build it first (deno task driver build -o driver.wasm ${path}), ` +
        "then run the .wasm",
    );
  }
  let module: Record<string, unknown>;
  try {
    module = await import(fileUrl(path));
  } catch (error) {
    const why = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new DriverLoadError(`cannot load ${path}: ${why}`, { cause: error });
  }
  if (typeof module.DriverEntry !== "function") {
    throw new DriverLoadError(`${path} does not export a DriverEntry function`);
  }
  return {
    DriverEntry: module.DriverEntry as DriverModule["DriverEntry"],
    leaks: typeof module.leaks === "function" ? module.leaks as DriverModule["leaks"] : undefined,
  };
}
