// Copyright 2026 the wskemu authors. MIT license.
// Pool memory: tags, usage accounting, and the BAD_POOL_CALLER bug checks.
import assert from "node:assert/strict";
import {
  callAtDispatchLevel,
  DriverVerifier,
  ExAllocatePool2,
  ExAllocatePoolWithTag,
  ExFreePool,
  ExFreePoolWithTag,
  IoAllocateIrp,
  IoFreeIrp,
  NonPagedPoolNx,
  objectAddress,
  PagedPool,
  POOL_FLAG_NON_PAGED,
  POOL_FLAG_PAGED,
  poolTag,
  poolTagName,
  poolUsage,
} from "@wskemu/wsk/irp";
import { expectBugCheck } from "./_bugcheck.ts";

const Tag = poolTag("tseT"); // shows as "Test", as in poolmon

Deno.test("poolTag() gives the value of the C multi-character literal", () => {
  assert.equal(poolTag("tpcs"), 0x74706373);
  assert.equal(poolTag("ab"), 0x6162);
  assert.equal(poolTagName(Tag), "Test");
  assert.throws(() => poolTag("toolong"), RangeError);
});

Deno.test("ExAllocatePool2() returns zeroed memory counted under its tag until freed", () => {
  const a = ExAllocatePool2(POOL_FLAG_NON_PAGED, 100, Tag)!;
  const b = ExAllocatePoolWithTag(NonPagedPoolNx, 28, Tag)!;
  assert.deepEqual(a, new Uint8Array(100));
  assert.deepEqual(poolUsage().get("Test"), { allocations: 2, bytes: 128 });
  ExFreePoolWithTag(a, Tag);
  assert.deepEqual(poolUsage().get("Test"), { allocations: 1, bytes: 28 });
  ExFreePool(b);
  assert.equal(poolUsage().has("Test"), false);
});

Deno.test("ExAllocatePool2() returns null for bad flags or low resources", () => {
  assert.equal(ExAllocatePool2(0, 8, Tag), null);
  assert.equal(ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_PAGED, 8, Tag), null);
  DriverVerifier.lowResourcesProbability = 1;
  try {
    assert.equal(ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, Tag), null);
  } finally {
    DriverVerifier.lowResourcesProbability = 0;
  }
  assert.equal(poolUsage().has("Test"), false);
});

Deno.test("ExFreePoolWithTag() bug checks BAD_POOL_CALLER 0x07 on a double free", () => {
  const P = ExAllocatePool2(POOL_FLAG_NON_PAGED, 4, Tag)!;
  ExFreePoolWithTag(P, Tag);
  const error = expectBugCheck(() => ExFreePoolWithTag(P, Tag), 0xC2, 0x07);
  assert.equal(error.BugCheckParameters[3], objectAddress(P));
  expectBugCheck(() => ExFreePool(P), 0xC2, 0x07);
});

Deno.test("ExFreePoolWithTag() bug checks BAD_POOL_CALLER 0x0A for the wrong tag", () => {
  const P = ExAllocatePool2(POOL_FLAG_NON_PAGED, 4, Tag)!;
  const error = expectBugCheck(() => ExFreePoolWithTag(P, poolTag("gnrW")), 0xC2, 0x0A);
  assert.deepEqual(error.BugCheckParameters.slice(2), [Tag, poolTag("gnrW")]);
  ExFreePoolWithTag(P, Tag);
});

Deno.test("ExFreePool() bug checks on memory the pool never gave out", () => {
  expectBugCheck(() => ExFreePool(new Uint8Array(4)), 0xC2, 0x43);
  const P = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, Tag)!;
  expectBugCheck(() => ExFreePool(P.subarray(2)), 0xC2, 0x43);
  ExFreePool(P);
});

Deno.test("ExFreePool() on an IRP bug checks DRIVER_VERIFIER_DETECTED_VIOLATION 0x105", () => {
  const Irp = IoAllocateIrp(1, false)!;
  expectBugCheck(() => ExFreePool(Irp as unknown as Uint8Array), 0xC4, 0x105);
  IoFreeIrp(Irp);
});

Deno.test("ExAllocatePool2() bug checks BAD_POOL_CALLER for a zero tag or paged pool at DISPATCH_LEVEL", () => {
  expectBugCheck(() => ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 0), 0xC2, 0x9B);
  expectBugCheck(
    () => callAtDispatchLevel(() => ExAllocatePoolWithTag(PagedPool, 8, Tag), "a DPC"),
    0xC2,
    0x08,
  );
  const P = callAtDispatchLevel(() => ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, Tag), "a DPC")!;
  ExFreePool(P);
});
