// Copyright 2026 the wskemu authors. MIT license.
// examples/udp_echo.ts against a real UDP client: 10,000 datagrams, each one
// checked byte for byte, the loss counted, and a clean exit on SIGTERM.
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { runExample, startServer } from "./_spawn.ts";

const DATAGRAMS = 10_000;
/** Datagrams in flight at once: enough to keep both sides busy, few enough for loopback buffers. */
const WINDOW = 32;
/** A datagram not answered within this long stops counting against the window. */
const PATIENCE_MS = 200;
/** The whole exchange must end within this long. */
const DEADLINE_MS = 60_000;

/** Datagram `i`: its number, then bytes derived from it; 16 to 1215 bytes long. */
function payload(i: number): Uint8Array {
  const bytes = new Uint8Array(16 + (i * 7919) % 1200);
  new DataView(bytes.buffer).setUint32(0, i);
  for (let k = 4; k < bytes.length; k++) bytes[k] = (i * 31 + k * 7) & 0xff;
  return bytes;
}

interface Tally {
  sent: number;
  intact: number;
  corrupted: number;
  lost: number;
  ms: number;
}

/** Sends DATAGRAMS datagrams to host:port with at most WINDOW unanswered, and checks every echo. */
async function exchange(host: string, port: number, count = DATAGRAMS): Promise<Tally> {
  const socket = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
  await new Promise<void>((resolve) => socket.bind(0, host, () => resolve()));
  const answered = new Set<number>();
  const inFlight = new Map<number, number>(); // datagram → when it was sent
  let corrupted = 0;
  let wake: (() => void) | null = null;
  socket.on("message", (message: Uint8Array) => {
    const got = new Uint8Array(message);
    const i = got.length >= 4 ? new DataView(got.buffer).getUint32(0) : -1;
    const expected = i >= 0 && i < count ? payload(i) : null;
    if (!expected || got.length !== expected.length || !expected.every((b, k) => b === got[k])) {
      corrupted++;
    } else {
      answered.add(i);
      inFlight.delete(i);
    }
    wake?.();
  });
  /** Resolves on the next echo or after `ms`, whichever comes first. */
  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });
  const start = performance.now();
  const deadline = start + DEADLINE_MS;
  let next = 0;
  while (next < count && performance.now() < deadline) {
    if (inFlight.size >= WINDOW) {
      await nap(PATIENCE_MS);
      // Whatever waited too long is presumed lost: it no longer holds the window.
      const stale = performance.now() - PATIENCE_MS;
      for (const [i, at] of inFlight) if (at < stale) inFlight.delete(i);
      continue;
    }
    inFlight.set(next, performance.now());
    socket.send(payload(next), port, host);
    // Let the receive side run between short bursts.
    if (++next % 8 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
  }
  const drainUntil = Math.min(deadline, performance.now() + 2000);
  while (answered.size + corrupted < next && performance.now() < drainUntil) await nap(50);
  const ms = Math.round(performance.now() - start);
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return { sent: next, intact: answered.size, corrupted, lost: next - answered.size, ms };
}

let stopping: Promise<{ code: number; output: string }> | undefined;

Deno.test("udp_echo under the driver host answers 10,000 datagrams from a real client, none corrupted, and unloads clean on SIGTERM", async () => {
  const server = await startServer("examples/udp_echo.ts");
  const tally = await exchange("127.0.0.1", server.port).finally(() => stopping = server.stop());
  const { code, output } = await stopping!;
  const lossPercent = (100 * tally.lost / tally.sent).toFixed(2);
  console.log(
    `udp_echo: ${tally.sent} sent, ${tally.intact} echoed intact, ${tally.corrupted} corrupted, ` +
      `${tally.lost} lost (${lossPercent}%) in ${tally.ms} ms`,
  );
  assert.equal(tally.sent, DATAGRAMS, "every datagram was sent within the deadline");
  assert.equal(tally.corrupted, 0, "no echo differs from what was sent");
  assert.ok(tally.lost <= DATAGRAMS / 100, `loss stays under 1% (${tally.lost})`);
  assert.match(output, /stopped: \d+ datagrams received/);
  assert.match(output, /MDLs still allocated: 0\n/);
  assert.match(output, /clean: DriverEntry succeeded/);
  assert.equal(code, 0);
});

Deno.test("udp_echo with --param IPv6=1 serves IPv6 and IPv4 clients on one dual-stack socket", async () => {
  const server = await startServer("examples/udp_echo.ts", "--param", "IPv6=1");
  try {
    for (const host of ["::1", "127.0.0.1"]) {
      const tally = await exchange(host, server.port, 200);
      assert.equal(tally.corrupted, 0, host);
      assert.ok(tally.intact >= 190, `${host}: ${tally.intact} of 200 echoed`);
    }
  } finally {
    assert.equal((await server.stop()).code, 0);
  }
});

Deno.test("udp_echo with bad arguments prints its usage and exits 2", async () => {
  const result = await runExample("examples/udp_echo.ts", "--port", "many");
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^usage: deno run -A examples\/udp_echo\.ts/);
});
