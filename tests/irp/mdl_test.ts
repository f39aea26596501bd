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
