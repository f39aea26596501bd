// Copyright 2026 the wskemu authors. MIT license.
// The synchronous BSD-style library (event + KeWaitForSingleObject +
// IoReuseIrp) and its client, against a real echo server, by name.
import assert from "node:assert/strict";
import { assertClean, driverWasm, haveToolchain, startDriver } from "./_driver.ts";

function echoServer(hostname: string) {
  const listener = Deno.listen({ hostname, port: 0 });
  const serving = (async () => {
    const conn = await listener.accept();
    await conn.readable.pipeTo(conn.writable);
  })();
  return { port: listener.addr.port, listener, serving };
}

for (const [host, hostname] of [["localhost", "127.0.0.1"], ["::1", "::1"]]) {
  Deno.test({
    name:
      `examples/c/bsd: resolves ${host}, connects, sends 256 KiB and gets every byte back, then unloads clean`,
    ignore: !haveToolchain,
    async fn() {
      const wasm = await driverWasm("examples/c/bsd/bsd_client.c", "examples/c/bsd/ksocket.c");
      const server = echoServer(hostname!);
      const driver = startDriver(wasm, { Host: host!, Port: server.port });
      try {
        await driver.waitFor(/bsd_client: done/);
      } finally {
        const { code, output } = await driver.stop();
        server.listener.close();
        await server.serving.catch(() => {});
        assert.match(output, /sent 262144, received 262144 bytes back, every byte intact/, output);
        assertClean(output);
        assert.equal(code, 0, output);
      }
    },
  });
}
