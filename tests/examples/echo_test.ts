// Copyright 2026 the wskemu authors. MIT license.
// Both echo servers against 50 concurrent real clients, over IPv4 and IPv6.
import assert from "node:assert/strict";
import { randomBytes, sha256 } from "../_wsk.ts";
import { startServer } from "./_spawn.ts";

const CLIENTS = 50;
const PER_CLIENT = 1024 * 1024;

/** One client: 1 MiB of random data in random-sized writes; returns whether the echo matched. */
async function echoClient(hostname: string, port: number, seed: number): Promise<boolean> {
  const data = randomBytes(PER_CLIENT, seed);
  const conn = await Deno.connect({ hostname, port });
  const sizes = randomBytes(4096, seed + 1);
  const writer = (async () => {
    let at = 0, i = 0;
    while (at < data.length) {
      const size = Math.min(1 + sizes[i++ % sizes.length]! * 37, data.length - at);
      let off = 0;
      while (off < size) off += await conn.write(data.subarray(at + off, at + size));
      at += size;
    }
    await conn.closeWrite();
  })();
  const back = new Uint8Array(PER_CLIENT);
  let got = 0;
  for (;;) {
    const n = await conn.read(back.subarray(got));
    if (n === null || got + n > PER_CLIENT) break;
    got += n;
    if (got === PER_CLIENT) {
      // The server disconnects after echoing everything: expect EOF next.
      const tail = await conn.read(new Uint8Array(1));
      assert.equal(tail, null);
      break;
    }
  }
  await writer;
  conn.close();
  return got === PER_CLIENT && (await sha256(back)) === (await sha256(data));
}

for (const script of ["examples/echosrv.ts", "examples/echo_events.ts"]) {
  Deno.test(`${script} under the driver host: 50 concurrent clients × 1 MiB get back exactly what they sent, over IPv4 and IPv6, and it unloads clean`, async () => {
    const server = await startServer(script);
    try {
      for (const host of ["127.0.0.1", "::1"]) {
        const results = await Promise.all(
          Array.from({ length: CLIENTS }, (_, i) => echoClient(host, server.port, 1000 + i)),
        );
        assert.equal(results.filter((ok) => ok).length, CLIENTS, `${host}: every client matched`);
      }
    } finally {
      const { code, output } = await server.stop();
      assert.match(output, /IRPs still allocated: 0\n/);
      assert.match(output, /Sockets not closed: 0\n/);
      assert.match(output, /Pool blocks still allocated: 0\n/);
      assert.match(output, /clean: DriverEntry succeeded, no bug check, nothing leaked/);
      assert.equal(code, 0);
    }
  });
}
