// Copyright 2026 the wskemu authors. MIT license.
// A peer for faults_test.ts that the test kills with SIGKILL mid-transfer: it
// listens on loopback, prints its port, then writes to its one connection
// forever and never reads (so its death resets the connection).
const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
console.log(listener.addr.port);
const conn = await listener.accept();
listener.close();
const block = new Uint8Array(256 * 1024).fill(0x5a);
for (;;) await conn.write(block);
