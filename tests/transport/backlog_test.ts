// Copyright 2026 the wskemu authors. MIT license.
// The kernel listen queue: always the system's maximum, whatever backlog a
// listener asks for, so that a burst of connects is neither reset nor stalled.
import assert from "node:assert/strict";
import { DEFAULT_SYSTEM_BACKLOG, systemBacklog } from "../../transport/_backlog.ts";
import { endpoint, tcpTransport } from "../../transport/tcp.ts";
import type { TcpStream } from "../../transport/types.ts";

Deno.test("systemBacklog() reads somaxconn, and falls back to 4096 when it cannot", () => {
  const path = Deno.makeTempFileSync();
  try {
    Deno.writeTextFileSync(path, "65535\n");
    assert.equal(systemBacklog(path), 65535);
    Deno.writeTextFileSync(path, "garbage");
    assert.equal(systemBacklog(path), DEFAULT_SYSTEM_BACKLOG);
  } finally {
    Deno.removeSync(path);
  }
  assert.equal(systemBacklog(`${path}.missing`), DEFAULT_SYSTEM_BACKLOG);
  assert.equal(DEFAULT_SYSTEM_BACKLOG, 4096);
});

Deno.test("a burst of 1,000 connects against a listener with backlog 128 is served without a reset", async () => {
  const listener = (await tcpTransport.listen({ local: endpoint("127.0.0.1", 0), backlog: 128 }))
    .value!;
  const served: TcpStream[] = [];
  listener.onConnection((stream) => {
    served.push(stream);
    stream.write([new Uint8Array([7])]);
  });
  const outcomes = await Promise.allSettled(
    Array.from({ length: 1000 }, async () => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: listener.localAddress.port });
      try {
        const byte = new Uint8Array(1);
        assert.equal(await conn.read(byte), 1);
      } finally {
        conn.close();
      }
    }),
  );
  const failures = outcomes.filter((outcome) => outcome.status === "rejected");
  assert.deepEqual(failures, []);
  assert.equal(served.length, 1000);
  for (const stream of served) stream.close();
  listener.close();
});
