// Copyright 2026 the wskemu authors. MIT license.
// `deno task driver` as a user types it: exit codes, the one-line reason,
// --json, and what it says about C drivers before they exist.
import assert from "node:assert/strict";
import { runExample } from "../examples/_spawn.ts";

function driver(...args: string[]) {
  return runExample("host/cli.ts", ...args);
}

Deno.test("a clean driver exits 0 after --for, with its unload report", async () => {
  const { code, stdout } = await driver("run", "tests/drivers/ioctl_device.ts", "--for", "0");
  assert.equal(code, 0);
  assert.match(stdout, /\*\*\* Unload report for ioctl_device\n/);
  assert.match(stdout, /clean: DriverEntry succeeded, no bug check, nothing leaked\n$/);
});

Deno.test("--json prints a machine-readable summary on stdout", async () => {
  const { code, stdout } = await driver("run", "tests/drivers/leaks.ts", "--for", "0", "--json");
  assert.equal(code, 1);
  const summary = JSON.parse(stdout);
  assert.equal(summary.clean, false);
  assert.equal(summary.entryStatus, "STATUS_SUCCESS");
  assert.deepEqual(summary.unloadBugCheck, { code: 0xC4, p1: 0x62 });
  assert.deepEqual(
    summary.leaks.map((leak: { kind: string }) => leak.kind).sort(),
    ["irp", "mdl", "npi", "other", "pool"],
  );
});

Deno.test("bad arguments exit 2 with the usage; an unknown verifier option is named", async () => {
  const missing = await driver("run");
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^driver: which driver\?/);
  const flag = await driver("run", "x.ts", "--verifier", "turbo");
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /unknown option "turbo"/);
});

Deno.test("a driver that is missing or exports no DriverEntry fails in one line, no stack trace", async () => {
  const missing = await driver("run", "tests/drivers/nothing_here.ts");
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^driver: cannot load tests\/drivers\/nothing_here\.ts/);
  assert.equal(missing.stderr.trim().split("\n").length, 1);
  const helper = await driver("run", "tests/drivers/_wsk.ts");
  assert.equal(helper.code, 1);
  assert.equal(
    helper.stderr,
    "driver: tests/drivers/_wsk.ts does not export a DriverEntry function\n",
  );
});

Deno.test("a .wasm driver that does not exist fails in one line, no stack trace", async () => {
  const run = await driver("run", "examples/c/no_such_driver.wasm");
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^driver: cannot load examples\/c\/no_such_driver\.wasm/);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
});

Deno.test("--json after a bug check gives its code, parameters, rule and the driver's frame", async () => {
  const { code, stdout } = await driver(
    "run",
    "tests/drivers/overrun.ts",
    "--verifier",
    "specialpool",
    "--json",
  );
  assert.equal(code, 1);
  const [bugCheck] = JSON.parse(stdout).bugChecks;
  assert.equal(bugCheck.name, "SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION");
  assert.equal(bugCheck.parameters[3], "0x24");
  assert.match(bugCheck.frame, /^DriverEntry .*tests\/drivers\/overrun\.ts:19:3$/);
});

Deno.test("--json names the same driver frame as the report for a bug check raised after the routine returned", async () => {
  const { code, stdout } = await driver(
    "run",
    "tests/drivers/wait_at_dispatch.ts",
    "--json",
    "--for",
    "0",
  );
  assert.equal(code, 1);
  const [bugCheck] = JSON.parse(stdout).bugChecks;
  assert.match(bugCheck.frame, /^QueryComplete .*tests\/drivers\/wait_at_dispatch\.ts:28$/);
});
