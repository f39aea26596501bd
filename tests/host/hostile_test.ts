// Copyright 2026 the wskemu authors. MIT license.
// The command line in the hands of a hostile user: every bad argument and
// every misbehaving driver gets a one-line reason and exit 2 (bad arguments)
// or 1 (the run failed), never a stack trace.
import assert from "node:assert/strict";
import { main } from "../../host/main.ts";
import type { DriverModule } from "../../host/mod.ts";
import { type DRIVER_OBJECT, STATUS_SUCCESS } from "../../irp/mod.ts";

/** Runs the command line in-process; returns its exit code and what it printed. */
async function driver(
  args: string[],
  loaded?: DriverModule,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { log, error } = console;
  let stdout = "", stderr = "";
  console.log = (...parts: unknown[]) => stdout += parts.join(" ") + "\n";
  console.error = (...parts: unknown[]) => stderr += parts.join(" ") + "\n";
  try {
    return { code: await main(args, loaded), stdout, stderr };
  } finally {
    console.log = log;
    console.error = error;
  }
}

const OK = "tests/drivers/careful_allocations.ts";

function assertNoStackTrace(text: string): void {
  assert.doesNotMatch(text, /\n\s+at /, text);
}

for (
  const [args, reason] of [
    [["--param", "Port"], /^driver: --param Port: expected NAME=VALUE$/m],
    [["--param", "=1"], /^driver: --param =1: expected NAME=VALUE$/m],
    [["--for", "-1"], /^driver: --for -1: needs a number of seconds/m],
    [["--for", "NaN"], /^driver: --for NaN: needs a number of seconds/m],
    [["--for", ""], /^driver: --for : needs a number of seconds/m],
    [["--for", "Infinity"], /^driver: --for Infinity: needs a number of seconds/m],
    [["--for"], /^driver: --for needs a value$/m],
    [["--verifier", "turbo"], /^driver: --verifier: unknown option "turbo"/m],
    [["--verifier", "faults=2"], /^driver: --verifier faults=2: 2 is not a number in 0\.\.1$/m],
    [["--seed", "garbage"], /^driver: --seed needs an integer$/m],
    [["--seed", ""], /^driver: --seed needs an integer$/m],
    [["--memory-pages", "many"], /^driver: --memory-pages needs a number of 64 KiB pages/m],
    [
      ["--trace", "/nonexistent/dir/t.json"],
      /^driver: --trace \/nonexistent\/dir\/t\.json: cannot write there \(NotFound/m,
    ],
    [
      ["--trace-svg", "/nonexistent/t.svg"],
      /^driver: --trace-svg \/nonexistent\/t\.svg: cannot write there/m,
    ],
  ] as [string[], RegExp][]
) {
  Deno.test(`bad arguments: ${args.join(" ") || "(empty)"} exits 2 with one reason`, async () => {
    const { code, stderr } = await driver(["run", OK, ...args]);
    assert.equal(code, 2);
    assert.match(stderr, reason);
    assertNoStackTrace(stderr);
  });
}

/** A driver module (given in-process, as a driver's own `deno run` entry does). */
function module(DriverEntry: (DriverObject: DRIVER_OBJECT) => unknown): DriverModule {
  return { DriverEntry } as unknown as DriverModule;
}

const run = (loaded: DriverModule) => driver(["run", "hostile.ts", "--for", "0"], loaded);

Deno.test("a DriverEntry that throws is 0x1E in one line, no stack trace", async () => {
  const { code, stderr } = await run(module(() => {
    throw new Error("boom");
  }));
  assert.equal(code, 1);
  assert.equal(
    stderr.trim().split("\n").at(-1),
    "FAILED: bug check KMODE_EXCEPTION_NOT_HANDLED (0x1E): DriverEntry threw an exception " +
      "nobody handled: Error: boom",
  );
  assertNoStackTrace(stderr);
});

Deno.test("a promise the driver rejects and never handles is 0x1E in one line, no stack trace", async () => {
  const { code, stderr } = await driver(
    ["run", "hostile.ts", "--for", "1"],
    module(() => {
      Promise.reject(new RangeError("late boom"));
      return STATUS_SUCCESS;
    }),
  );
  assert.equal(code, 1);
  assert.equal(
    stderr.trim().split("\n").at(-1),
    "FAILED: bug check KMODE_EXCEPTION_NOT_HANDLED (0x1E): the driver's code threw an exception " +
      "nobody handled: RangeError: late boom",
  );
  assertNoStackTrace(stderr);
});

for (
  const [returned, text] of [
    [undefined, "undefined"],
    ["ok", '"ok"'],
    [1.5, "1.5"],
    [2 ** 40, "1099511627776"],
    [{}, "[object Object]"],
  ] as [unknown, string][]
) {
  Deno.test(`a DriverEntry that returns ${text} fails: not an NTSTATUS`, async () => {
    const { code, stdout, stderr } = await run(module(() => returned));
    assert.equal(code, 1);
    assert.equal(
      stderr.trim(),
      `FAILED: DriverEntry returned ${text}, not an NTSTATUS`,
    );
    assert.match(stdout, /DriverEntry: \(none\)/);
  });
}

Deno.test("a DriverEntry that returns a negative NTSTATUS (C's signed form) fails with its name", async () => {
  const { code, stderr } = await run(module(() => 0xC0000001 | 0));
  assert.equal(code, 1);
  assert.match(stderr, /^FAILED: DriverEntry returned STATUS_UNSUCCESSFUL \(0xC0000001\)$/m);
});

Deno.test("a driver that sets no DriverUnload and holds nothing is clean; the report says it cannot unload", async () => {
  const { code, stdout } = await run(module(() => STATUS_SUCCESS));
  assert.equal(code, 0);
  assert.match(stdout, /DriverUnload: none set \(Windows could not unload this driver\)/);
});

Deno.test("a DriverUnload that throws is 0x1E in one line, no stack trace", async () => {
  const { code, stderr } = await run(module((DriverObject) => {
    DriverObject.DriverUnload = () => {
      throw new TypeError("unload boom");
    };
    return STATUS_SUCCESS;
  }));
  assert.equal(code, 1);
  assert.equal(
    stderr.trim().split("\n").at(-1),
    "FAILED: bug check KMODE_EXCEPTION_NOT_HANDLED (0x1E): DriverUnload threw an exception " +
      "nobody handled: TypeError: unload boom",
  );
  assertNoStackTrace(stderr);
});
