// Copyright 2026 the wskemu authors. MIT license.
// The C echo servers, unmodified C on wskemu, against 50 concurrent real
// clients × 1 MiB over IPv4 and IPv6; each stops on SIGTERM holding nothing.
import assert from "node:assert/strict";
import { echoesBack } from "./_clients.ts";
import { assertClean, driverWasm, haveToolchain, startDriver } from "./_driver.ts";

const CLIENTS = 50;
const MIB = 1024 * 1024;

for (const source of ["examples/c/echosrv.c", "examples/c/echo_events.c"]) {
  Deno.test({
    name:
      `${source}: 50 concurrent clients × 1 MiB get back exactly what they sent, over IPv4 and IPv6`,
    ignore: !haveToolchain,
    async fn() {
      const driver = startDriver(await driverWasm(source), { Port: 0 });
      try {
        const [, port] = await driver.waitFor(/listening on \[::\]:(\d+)/);
        for (const host of ["127.0.0.1", "::1"]) {
          const results = await Promise.all(
            Array.from({ length: CLIENTS }, (_, i) => echoesBack(host, Number(port), MIB, 100 + i)),
          );
          assert.equal(results.filter((ok) => ok).length, CLIENTS, `${host}: every client matched`);
        }
      } finally {
        const { code, output } = await driver.stop();
        assertClean(output);
        assert.equal(code, 0, output);
      }
    },
  });
}
