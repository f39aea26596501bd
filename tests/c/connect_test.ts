// Copyright 2026 the wskemu authors. MIT license.
// The guide's C client, unmodified C on wskemu, against a real local HTTP server.
import assert from "node:assert/strict";
import { assertClean, driverWasm, haveToolchain, startDriver } from "./_driver.ts";

Deno.test({
  name:
    "examples/c/connect.c connects with ConnectSocket/ConnectComplete, sends, receives, disconnects and unloads clean",
  ignore: !haveToolchain,
  async fn() {
    const wasm = await driverWasm("examples/c/connect.c");
    const server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const serving = (async () => {
      const conn = await server.accept();
      await conn.read(new Uint8Array(1024));
      await conn.write(new TextEncoder().encode("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi"));
      conn.close();
    })();
    const driver = startDriver(wasm, { Port: server.addr.port });
    try {
      await driver.waitFor(/client done/);
      const { code, output } = await driver.stop();
      assert.match(output, /WskConnect\(127\.0\.0\.1:\d+\) returned 0x00000103/);
      assert.match(output, /ConnectComplete: connected/);
      assert.match(output, /reply: HTTP\/1\.0 200 OK/);
      assert.match(output, /WskDisconnect\(graceful\): 0x00000000/);
      assertClean(output);
      assert.equal(code, 0);
    } finally {
      await serving;
      server.close();
    }
  },
});
