// Copyright 2026 the wskemu authors. MIT license.
// DbgPrint's formats, read the way wasm32 passes C varargs: a block of
// arguments in linear memory, each aligned to its size.
import assert from "node:assert/strict";
import { formatC } from "../../host/wasm/_format.ts";
import { CMemory } from "../../host/wasm/_memory.ts";

const layout = new Map([["UNICODE_STRING.Length", 0], ["UNICODE_STRING.Buffer", 4]]);

/** A 64 KiB memory holding `strings` at fixed places and an argument block at 0x1000. */
function memoryWith(): { mem: CMemory; args: (values: (number | bigint)[]) => number } {
  const mem = new CMemory(new WebAssembly.Memory({ initial: 1, maximum: 1 }), layout);
  mem.writeNarrow(0x100, "narrow", 16);
  mem.writeWide(0x200, "wide", 16);
  mem.setU16(0x300, 8); // UNICODE_STRING "wide" (8 bytes)
  mem.setU32(0x304, 0x200);
  const args = (values: (number | bigint)[]) => {
    let at = 0x1000;
    for (const v of values) {
      if (typeof v === "bigint") {
        at = (at + 7) & ~7;
        mem.setI64(at, v);
        at += 8;
      } else {
        mem.setU32(at, v);
        at += 4;
      }
    }
    return 0x1000;
  };
  return { mem, args };
}

Deno.test("DbgPrint formats integers, strings, wide strings and counted strings from the argument block", () => {
  const { mem, args } = memoryWith();
  const text = formatC(
    mem,
    "%d %u %x %X %08x %p [%s] [%ws] [%S] [%wZ] %lld %I64x %c %5d|%-4d| %%",
    args([
      -5,
      0xFFFFFFFF,
      255,
      255,
      0xabc,
      0x1234,
      0x100,
      0x200,
      0x200,
      0x300,
      -7n,
      0x1_0000_0000n,
      65,
      42,
      7,
    ]),
  );
  assert.equal(
    text,
    "-5 4294967295 ff FF 00000abc 00001234 [narrow] [wide] [wide] [wide] -7 100000000 A    42|7   | %",
  );
});

Deno.test("WPP's %!STATUS! prints the NTSTATUS by name, %!FUNC! the calling function", () => {
  const { mem, args } = memoryWith();
  assert.equal(
    formatC(mem, "%!FUNC!: %!STATUS!", args([0xC0000236]), { function: "ConnectComplete" }),
    "ConnectComplete: STATUS_CONNECTION_REFUSED (0xC0000236)",
  );
});
