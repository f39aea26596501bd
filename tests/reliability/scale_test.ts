// Copyright 2026 the wskemu authors. MIT license.
// Scale: many concurrent connections through the WSK echo server, each
// stream checked by SHA-256, with no connection reset; and thousands of idle
// WSK connections opened and closed.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import net from "node:net";
import {
  type NTSTATUS,
  STATUS_SUCCESS,
  type WSK_PROVIDER_CONNECTION_DISPATCH,
  type WSK_SOCKET,
} from "../../mod.ts";
import { call, randomBytes, TestClient } from "../_wsk.ts";
import { startServer } from "../examples/_spawn.ts";

const CONNECTIONS = 1000;
/** `deno task soak` sends 1 MiB per connection; `deno task test` keeps the suite short. */
const SOAK = Deno.env.get("WSKEMU_SOAK") === "1";
const PER_CONNECTION = SOAK ? 1024 * 1024 : 128 * 1024;
const IDLE_SOCKETS = 10_000;

/** One random mebibyte; connection i sends it from its own offset on, so streams differ. */
const BLOCK = randomBytes(1024 * 1024, 11);

/** What one echo client saw. */
interface Echoed {
  matched: boolean;
  reset: boolean;
  error?: string;
}

/** Sends PER_CONNECTION bytes, reads the echo until EOF, compares SHA-256 of both streams. */
function echoClient(port: number, index: number): Promise<Echoed> {
  const { promise, resolve } = Promise.withResolvers<Echoed>();
  const sent = createHash("sha256"), back = createHash("sha256");
  let received = 0;
  const socket = net.connect({ host: "127.0.0.1", port });
  socket.on("connect", () => {
    const start = (index * 4099) % BLOCK.length;
    let left = PER_CONNECTION, at = start;
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, BLOCK.length - at, 16 * 1024);
        const chunk = BLOCK.subarray(at, at + n);
        sent.update(chunk);
        left -= n;
        at = (at + n) % BLOCK.length;
        if (!socket.write(chunk)) return void socket.once("drain", pump);
      }
      socket.end();
    };
    pump();
  });
  socket.on("data", (chunk: Uint8Array) => {
    received += chunk.length;
    back.update(chunk);
  });
  socket.on("end", () => {
    resolve({
      matched: received === PER_CONNECTION && sent.digest("hex") === back.digest("hex"),
      reset: false,
    });
  });
  socket.on("error", (error: Error & { code?: string }) => {
    socket.destroy();
    resolve({
      matched: false,
      reset: error.code === "ECONNRESET" || error.code === "EPIPE",
      error: String(error),
    });
  });
  return promise;
}

Deno.test(`examples/echosrv.ts: ${CONNECTIONS} concurrent connections × ${SOAK ? "1 MiB" : "128 KiB"} echo byte-exact (SHA-256), 0 resets`, async () => {
  const server = await startServer("examples/echosrv.ts");
  try {
    const results = await Promise.all(
      Array.from({ length: CONNECTIONS }, (_, i) => echoClient(server.port, i)),
    );
    const resets = results.filter((r) => r.reset).length;
    const failed = results.filter((r) => !r.matched);
    assert.equal(resets, 0, `${resets} of ${CONNECTIONS} connections were reset`);
    assert.deepEqual(failed, [], `${failed.length} of ${CONNECTIONS} echoes did not match`);
  } finally {
    const { code, output } = await server.stop();
    assert.match(output, /clean: DriverEntry succeeded, no bug check, nothing leaked/);
    assert.equal(code, 0);
  }
});

/** A peer process that accepts and holds connections, reading nothing, until its stdin closes. */
const HOLDER = `
import net from "node:net";
const held = [];
const server = net.createServer((s) => { s.on("error", () => {}); held.push(s); });
server.listen({ host: "127.0.0.1", port: 0, backlog: 4096 }, () => {
  console.log(server.address().port);
});
for await (const _ of Deno.stdin.readable) { /* until closed */ }
for (const s of held) s.destroy();
server.close();
`;

Deno.test(`${IDLE_SOCKETS} idle WSK connections open, stay open together, then close; WskDeregister returns`, async () => {
  const holder = new Deno.Command(Deno.execPath(), {
    args: ["eval", HOLDER],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = holder.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const port = Number((await lines.read()).value!.trim());
  const client = new TestClient();
  const open: WSK_SOCKET[] = [];
  try {
    // Connected in waves, so the holder's accept queue never overflows.
    const WAVE = 250;
    for (let wave = 0; wave < IDLE_SOCKETS; wave += WAVE) {
      open.push(
        ...await Promise.all(
          Array.from(
            { length: Math.min(WAVE, IDLE_SOCKETS - wave) },
            () => client.connected("127.0.0.1", port),
          ),
        ),
      );
    }
    assert.equal(open.length, IDLE_SOCKETS);
    const closed: NTSTATUS[] = await Promise.all(
      open.splice(0).map((Socket) =>
        call((Irp) =>
          (Socket.Dispatch as WSK_PROVIDER_CONNECTION_DISPATCH).WskCloseSocket(Socket, Irp)
        ).then((c) => c.Status)
      ),
    );
    assert.equal(closed.filter((s) => s !== STATUS_SUCCESS).length, 0);
  } finally {
    for (const Socket of open) await client.closeSocket(Socket);
    await client.close();
    await holder.stdin.close();
    await lines.cancel();
    await holder.status;
  }
});
