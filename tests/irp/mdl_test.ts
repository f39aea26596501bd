// Copyright 2026 the wskemu authors. MIT license.
// MDLs and WSK_BUF: zero-copy views over chains, and the crash Windows has
// when a WSK_BUF runs past its MDL chain.
import assert from "node:assert/strict";
import {
  DISPATCH_LEVEL,
  DriverVerifier,
  IoAllocateMdl,
  IoFreeMdl,
  type MDL,
  MDL_MAPPED_TO_SYSTEM_VA,
  MDL_SOURCE_IS_NONPAGED_POOL,
  MmBuildMdlForNonPagedPool,
  MmGetMdlByteCount,
  MmGetMdlByteOffset,
  MmGetMdlVirtualAddress,
  MmGetSystemAddressForMdlSafe,
  NormalPagePriority,
  outstandingMdls,
  wskBufByteCount,
  wskBufSegments,
} from "@wskemu/wsk/irp";
import { expectBugCheck } from "./_bugcheck.ts";

/** A chain of MDLs over the given byte runs. */
function chain(...runs: number[][]): MDL {
  const mdls = runs.map((run) =>
    IoAllocateMdl(new Uint8Array(run), run.length, false, false, null)!
  );
  mdls.forEach((Mdl, i) => Mdl.Next = mdls[i + 1] ?? null);
  return mdls[0];
}

function freeChain(Mdl: MDL | null): void {
  while (Mdl) {
    const Next = Mdl.Next;
    IoFreeMdl(Mdl);
    Mdl = Next;
  }
}

Deno.test("IoAllocateMdl() describes the start of a buffer, subarray offsets included", () => {
  const before = outstandingMdls();
  const Buffer = new Uint8Array(8192);
  const VirtualAddress = Buffer.subarray(4000);
  const Mdl = IoAllocateMdl(VirtualAddress, 200, false, false, null)!;
  assert.equal(MmGetMdlByteCount(Mdl), 200);
  assert.equal(MmGetMdlByteOffset(Mdl), 4000);
  assert.equal(MmGetMdlVirtualAddress(Mdl), VirtualAddress);
  assert.equal(Mdl.Size, 0x30 + 2 * 8, "the range spans two pages");
  assert.equal(outstandingMdls(), before + 1);
  IoFreeMdl(Mdl);
  assert.equal(outstandingMdls(), before);
});

Deno.test("IoAllocateMdl() bug checks PAGE_FAULT_IN_NONPAGED_AREA for a Length past the buffer", () => {
  expectBugCheck(() => IoAllocateMdl(new Uint8Array(4), 5, false, false, null), 0x50);
});

Deno.test("IoAllocateMdl() returns null when the verifier simulates low resources", () => {
  DriverVerifier.lowResourcesProbability = 1;
  try {
    assert.equal(IoAllocateMdl(new Uint8Array(4), 4, false, false, null), null);
  } finally {
    DriverVerifier.lowResourcesProbability = 0;
  }
});

Deno.test("IoFreeMdl() bug checks BAD_POOL_CALLER 0x07 on a double free", () => {
  const Mdl = IoAllocateMdl(new Uint8Array(4), 4, false, false, null)!;
  IoFreeMdl(Mdl);
  expectBugCheck(() => IoFreeMdl(Mdl), 0xC2, 0x07);
});

Deno.test("MmGetSystemAddressForMdlSafe() maps exactly the described bytes, writable through", () => {
  const Buffer = new Uint8Array(10);
  const Mdl = IoAllocateMdl(Buffer.subarray(3), 4, false, false, null)!;
  const Va = MmGetSystemAddressForMdlSafe(Mdl, NormalPagePriority)!;
  assert.equal(Va.length, 4);
  assert.ok(Mdl.MdlFlags & MDL_MAPPED_TO_SYSTEM_VA);
  Va.set([1, 2, 3, 4]);
  assert.deepEqual([...Buffer], [0, 0, 0, 1, 2, 3, 4, 0, 0, 0]);
  IoFreeMdl(Mdl);
});

Deno.test("MmBuildMdlForNonPagedPool() maps the buffer at once", () => {
  const Mdl = IoAllocateMdl(new Uint8Array(6), 6, false, false, null)!;
  MmBuildMdlForNonPagedPool(Mdl);
  assert.ok(Mdl.MdlFlags & MDL_SOURCE_IS_NONPAGED_POOL);
  assert.equal(Mdl.MappedSystemVa!.length, 6);
  assert.equal(MmGetSystemAddressForMdlSafe(Mdl, NormalPagePriority), Mdl.MappedSystemVa);
  IoFreeMdl(Mdl);
});

Deno.test("wskBufSegments() returns zero-copy views across an MDL chain", () => {
  const Mdl = chain([1, 2, 3], [], [4, 5], [6, 7, 8, 9]);
  const segments = wskBufSegments({ Mdl, Offset: 2, Length: 5 });
  assert.deepEqual(segments.map((s) => [...s]), [[3], [4, 5], [6, 7]]);
  segments[0][0] = 30;
  assert.equal(Mdl.StartVa[2], 30, "a view, not a copy");
  assert.equal(wskBufByteCount({ Mdl, Offset: 2, Length: 0 }), 7);
  freeChain(Mdl);
});

Deno.test("wskBufSegments() covers the whole chain exactly", () => {
  const Mdl = chain([1, 2], [3]);
  assert.deepEqual(wskBufSegments({ Mdl, Offset: 0, Length: 3 }).map((s) => [...s]), [[1, 2], [3]]);
  assert.deepEqual(wskBufSegments({ Mdl: null, Offset: 0, Length: 0 }), []);
  freeChain(Mdl);
});

Deno.test("wskBufSegments() bug checks 0xD1 when WSK_BUF.Length runs past the MDL chain", () => {
  const Mdl = chain([1, 2], [3, 4]);
  const error = expectBugCheck(() => wskBufSegments({ Mdl, Offset: 1, Length: 4 }), 0xD1);
  assert.deepEqual(error.BugCheckParameters, [0, DISPATCH_LEVEL, 0, 0]);
  assert.match(error.message, /WSK_BUF\.Length 4 .* runs past the MDL chain/);
  freeChain(Mdl);
});

Deno.test("wskBufSegments() bug checks 0xD1 for a NULL Mdl or an Offset outside the first MDL", () => {
  expectBugCheck(() => wskBufSegments({ Mdl: null, Offset: 0, Length: 1 }), 0xD1);
  const Mdl = chain([1, 2], [3, 4]);
  expectBugCheck(() => wskBufSegments({ Mdl, Offset: 2, Length: 1 }), 0xD1);
  freeChain(Mdl);
});

Deno.test("an MDL whose ByteCount was raised after IoAllocateMdl bug checks 0x50 at the first access", () => {
  const Mdl = IoAllocateMdl(new Uint8Array(4), 4, false, false, null)!;
  Mdl.ByteCount = 8;
  const error = expectBugCheck(() => wskBufSegments({ Mdl, Offset: 0, Length: 8 }), 0x50);
  assert.match(error.message, /claims ByteCount 8, but its memory holds 4 bytes/);
  expectBugCheck(() => wskBufSegments({ Mdl, Offset: 0, Length: 2 }), 0x50);
  expectBugCheck(() => MmGetSystemAddressForMdlSafe(Mdl, NormalPagePriority), 0x50);
  expectBugCheck(() => wskBufByteCount({ Mdl, Offset: 0, Length: 0 }), 0x50);
  IoFreeMdl(Mdl);
});

Deno.test("a forged MDL without a ByteCount, or over no memory, bug checks 0x50", () => {
  const forged = { StartVa: new Uint8Array(4), Next: null } as unknown as MDL;
  expectBugCheck(() => wskBufSegments({ Mdl: forged, Offset: 0, Length: 1 }), 0x50);
  const noMemory = { StartVa: "bytes", ByteCount: 1, Next: null } as unknown as MDL;
  expectBugCheck(() => wskBufSegments({ Mdl: noMemory, Offset: 0, Length: 1 }), 0x50);
  const notAnMdl = 7 as unknown as MDL;
  expectBugCheck(() => wskBufSegments({ Mdl: notAnMdl, Offset: 0, Length: 1 }), 0x50);
});

Deno.test("an MDL over a Uint16Array or a Float64Array describes its bytes", () => {
  const words = new Uint16Array([0x0201, 0x0403, 0x0605]);
  const Mdl = IoAllocateMdl(words as unknown as Uint8Array, 6, false, false, null)!;
  const segments = wskBufSegments({ Mdl, Offset: 1, Length: 5 });
  assert.deepEqual(segments.map((s) => [...s]), [[2, 3, 4, 5, 6]]);
  segments[0][0] = 0x20;
  assert.equal(words[0], 0x2001, "a view of the same memory");
  IoFreeMdl(Mdl);
  const doubles = new Float64Array(2);
  const Wide = IoAllocateMdl(doubles as unknown as Uint8Array, 16, false, false, null)!;
  assert.equal(wskBufSegments({ Mdl: Wide, Offset: 0, Length: 16 })[0].length, 16);
  assert.equal(MmGetSystemAddressForMdlSafe(Wide, NormalPagePriority)!.length, 16);
  IoFreeMdl(Wide);
});

Deno.test("an MDL chain that comes back to an MDL bug checks DPC_WATCHDOG_VIOLATION (0x133)", () => {
  const Empty = IoAllocateMdl(new Uint8Array(1), 0, false, false, null)!;
  const Full = IoAllocateMdl(new Uint8Array([1, 2]), 2, false, false, null)!;
  Full.Next = Empty;
  Empty.Next = Empty;
  expectBugCheck(() => wskBufSegments({ Mdl: Full, Offset: 0, Length: 3 }), 0x133);
  assert.equal(wskBufByteCount({ Mdl: Full, Offset: 0, Length: 0 }), 2);
  Empty.Next = Full;
  expectBugCheck(() => wskBufSegments({ Mdl: Full, Offset: 0, Length: 2 ** 40 }), 0x133);
  assert.deepEqual(wskBufSegments({ Mdl: Full, Offset: 0, Length: 2 }).map((s) => [...s]), [[
    1,
    2,
  ]]);
  IoFreeMdl(Empty);
  IoFreeMdl(Full);
});
