// Copyright 2026 the wskemu authors. MIT license.
// Shared by the irp tests: run an action that must bug check, and check the code.
import assert from "node:assert/strict";
import { BugCheckError } from "@wskemu/wsk/irp";

/** Runs `action`, expecting a BugCheckError with `code` (and `subCode` as parameter 1); returns it. */
export function expectBugCheck(
  action: () => unknown,
  code: number,
  subCode?: number,
): BugCheckError {
  let caught: unknown = null;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof BugCheckError, `expected a bug check, got ${caught}`);
  assert.equal(caught.BugCheckCode, code, caught.message);
  if (subCode !== undefined) assert.equal(caught.BugCheckParameters[0], subCode, caught.message);
  return caught;
}
