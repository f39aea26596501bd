// Copyright 2026 the wskemu authors. MIT license.
// Internal: C function pointers. A function pointer in wasm32 is an index
// into the module's exported table; the host calls completion routines,
// callbacks and entry points through it and names them from the module's
// "name" section (clang keeps it), so reports say ConnectComplete, not 12.

/** The C functions of a driver, by table index. */
export class FunctionTable {
  private readonly functions = new Map<number, CallableFunction>();

  constructor(
    private readonly table: WebAssembly.Table,
    private readonly names: ReadonlyMap<number, string>,
  ) {}

  /** The wasm function at `index`; a NULL or bad pointer is a page fault, as a jump to it would be. */
  get(index: number): CallableFunction {
    let fn = this.functions.get(index);
    if (fn === undefined) {
      const found = index > 0 && index < this.table.length ? this.table.get(index) : null;
      if (typeof found !== "function") {
        throw new WebAssembly.RuntimeError(
          `null function or function signature mismatch (pointer ${index})`,
        );
      }
      fn = found as CallableFunction;
      this.functions.set(index, fn);
    }
    return fn;
  }

  /** Calls the C function at `index` synchronously. */
  call(index: number, ...args: number[]): number {
    return (this.get(index) as (...a: number[]) => number)(...args) as number;
  }

  /** The C name of the function at `index`. */
  name(index: number): string {
    const fn = index > 0 && index < this.table.length ? this.table.get(index) : null;
    const wasmIndex = fn ? Number((fn as { name: string }).name) : NaN;
    return this.names.get(wasmIndex) ?? `function pointer ${index}`;
  }
}

/** Function names from a module's "name" custom section (subsection 1). */
export function functionNames(module: WebAssembly.Module): Map<number, string> {
  const names = new Map<number, string>();
  for (const section of WebAssembly.Module.customSections(module, "name")) {
    const bytes = new Uint8Array(section);
    let at = 0;
    const leb = (): number => {
      let result = 0, shift = 0, b: number;
      do {
        b = bytes[at++]!;
        result |= (b & 0x7f) << shift;
        shift += 7;
      } while (b & 0x80);
      return result >>> 0;
    };
    while (at < bytes.length) {
      const id = bytes[at++]!;
      const size = leb();
      const end = at + size;
      if (id === 1) {
        const count = leb();
        for (let i = 0; i < count; i++) {
          const index = leb();
          const length = leb();
          names.set(index, new TextDecoder().decode(bytes.subarray(at, at + length)));
          at += length;
        }
      }
      at = end;
    }
  }
  return names;
}
