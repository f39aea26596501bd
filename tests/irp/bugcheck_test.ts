// Copyright 2026 the wskemu authors. MIT license.
// Bug checks and fake addresses.
import assert from "node:assert/strict";
import {
  BugCheckError,
  bugCheckName,
  DRIVER_VERIFIER_IOMANAGER_VIOLATION,
  formatAddress,
  KeBugCheckEx,
  objectAddress,
} from "@wskemu/wsk/irp";

Deno.test("KeBugCheckEx() throws a BugCheckError with the code, parameters and rule", () => {
  assert.throws(
    () => KeBugCheckEx(DRIVER_VERIFIER_IOMANAGER_VIOLATION, 0x06, 0x103, 0x2000, 0, "a rule"),
    (e) => {
      assert.ok(e instanceof BugCheckError);
      assert.equal(e.name, "BugCheckError");
      assert.equal(e.BugCheckCode, 0xC9);
      assert.deepEqual(e.BugCheckParameters, [0x06, 0x103, 0x2000, 0]);
      assert.equal(e.rule, "a rule");
      assert.equal(e.message, "DRIVER_VERIFIER_IOMANAGER_VIOLATION (0xC9): a rule");
      return true;
    },
  );
});

Deno.test("KeBugCheckEx() without a rule lists the parameters in the message", () => {
  assert.throws(
    () => KeBugCheckEx(0x0A, 0, 2, 0, 0x1000),
    { message: "IRQL_NOT_LESS_OR_EQUAL (0x0A) with parameters 0x00, 0x02, 0x00, 0x1000" },
  );
});

Deno.test("bugCheckName() names the codes this library raises", () => {
  assert.equal(bugCheckName(0x35), "NO_MORE_IRP_STACK_LOCATIONS");
  assert.equal(bugCheckName(0x48), "CANCEL_STATE_IN_COMPLETED_IRP");
  assert.equal(bugCheckName(0xC2), "BAD_POOL_CALLER");
  assert.equal(bugCheckName(0xCE), "DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS");
  assert.equal(bugCheckName(0xD1), "DRIVER_IRQL_NOT_LESS_OR_EQUAL");
  assert.equal(bugCheckName(0xEF), "0xEF");
});

Deno.test("objectAddress() is stable per object, page-aligned, distinct and a safe integer", () => {
  const a = {};
  const b = () => {};
  assert.equal(objectAddress(a), objectAddress(a));
  assert.notEqual(objectAddress(a), objectAddress(b));
  for (const address of [objectAddress(a), objectAddress(b)]) {
    assert.ok(Number.isSafeInteger(address));
    assert.equal(address % 0x1000, 0);
  }
  assert.equal(objectAddress(null), 0);
  assert.match(formatAddress(objectAddress(a)), /^0x[0-9A-F]+$/);
});
