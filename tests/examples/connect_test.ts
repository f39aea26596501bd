// Copyright 2026 the wskemu authors. MIT license.
import assert from "node:assert/strict";
import { refusingPort } from "../_ports.ts";
import { runExample } from "./_spawn.ts";

Deno.test("the demo runs the seed ConnectSocket against its own host and prints a timeline", async () => {
  const { code, stdout } = await runExample("examples/connect.ts");
  assert.equal(code, 0);
  assert.match(
    stdout,
    /WskConnect\(127\.0\.0\.1:\d+\)\s+IRP#3\s+returned\s+STATUS_PENDING \(0x00000103\)/,
  );
  assert.match(stdout, /ConnectComplete\s+IRP#3\s+completed STATUS_SUCCESS \(0x00000000\)/);
  assert.match(stdout, /reply: HTTP\/1\.[01] 200 OK/);
  assert.match(stdout, /WskDisconnect\(graceful\)/);
  assert.match(stdout, /WskDeregister/);
});

Deno.test("the demo reports an unreachable host by NTSTATUS name and exits non-zero, without a stack trace", async () => {
  const { port, release } = await refusingPort();
  const { code, stderr } = await runExample(
    "examples/connect.ts",
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
  );
  release();
  assert.equal(code, 1);
  assert.match(stderr, /STATUS_CONNECTION_REFUSED \(0xC0000236\)/);
  assert.doesNotMatch(stderr, /\bat \S+:\d+:\d+/);
});

Deno.test("the demo prints its usage for bad arguments", async () => {
  const { code, stderr } = await runExample("examples/connect.ts", "--port");
  assert.equal(code, 2);
  assert.match(stderr, /^usage: /);
});
