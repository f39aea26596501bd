// Copyright 2026 the wskemu authors. MIT license.
// examples/resolve.ts as a user runs it.
import assert from "node:assert/strict";
import { runExample } from "./_spawn.ts";

Deno.test("resolve.ts localhost http prints one getent-style line per address, port 80", async () => {
  const { code, stdout, stderr } = await runExample("examples/resolve.ts", "localhost", "http");
  assert.equal(code, 0, stderr);
  const lines = stdout.trim().split("\n");
  assert.ok(lines.length >= 1);
  assert.match(stdout, /^127\.0\.0\.1 +localhost +AF_INET +port 80$/m);
  for (const line of lines) assert.match(line, /^\S+ +\S+ +AF_INET6? +port 80$/);
});

Deno.test("resolve.ts with a numeric IPv6 literal and no service prints it without a port", async () => {
  const { code, stdout } = await runExample("examples/resolve.ts", "::1");
  assert.equal(code, 0);
  assert.match(stdout, /^::1 +::1 +AF_INET6$/m);
});

Deno.test("resolve.ts with an unknown host prints the status by name and exits 2, with no stack trace", async () => {
  const { code, stdout, stderr } = await runExample("examples/resolve.ts", "dead.invalid");
  assert.equal(code, 2);
  assert.equal(stdout, "");
  assert.equal(stderr.trim(), "resolve: dead.invalid: STATUS_NOT_FOUND (0xC0000225)");
});

Deno.test("resolve.ts without a host prints its usage and exits 2", async () => {
  const { code, stderr } = await runExample("examples/resolve.ts");
  assert.equal(code, 2);
  assert.match(stderr, /^usage: deno run -A examples\/resolve\.ts HOST \[SERVICE\]/);
});
