// Copyright 2026 the wskemu authors. MIT license.
// The C UDP echo server (WskReceiveFromEvent) against real datagram clients.
import assert from "node:assert/strict";
import { lostDatagrams } from "./_clients.ts";
import { assertClean, driverWasm, haveToolchain, startDriver } from "./_driver.ts";

Deno.test({
  name:
    "examples/c/udp_echo.c echoes 10,000 datagrams over IPv4 and 1,000 over IPv6 without losing one",
  ignore: !haveToolchain,
  async fn() {
    const driver = startDriver(await driverWasm("examples/c/udp_echo.c"), { Port: 0 });
    try {
      const [, port] = await driver.waitFor(/listening on \[::\]:(\d+)/);
      assert.deepEqual(await lostDatagrams("127.0.0.1", Number(port), 10_000), []);
      assert.deepEqual(await lostDatagrams("::1", Number(port), 1_000), []);
    } finally {
      const { code, output } = await driver.stop();
      assert.match(output, /stopped after echoing 11000 datagrams/, output);
      assertClean(output);
      assert.equal(code, 0, output);
    }
  },
});
