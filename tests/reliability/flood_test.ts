// Copyright 2026 the wskemu authors. MIT license.
// Floods: the memory the WSK side keeps reachable after a full GC stays
// within a few MiB while a peer pushes a TCP stream nobody receives, floods a
// UDP socket nobody reads, or floods one whose client retains every
// indication. The WSK side runs in its own process (flood_wsk.ts) so that
// nothing else in the heap blurs the figures.
import assert from "node:assert/strict";
import dgram from "node:dgram";
import type { FloodReport, Memory } from "./flood_wsk.ts";

const TCP_BYTES = 1024 * 1024 * 1024;
const UDP_DATAGRAMS = 200_000;
/** "A few MiB": what the WSK side may keep on top of its baseline. */
const MEMORY_BOUND = 4 * 1024 * 1024;

/** Starts flood_wsk.ts in `mode`; its stdout lines arrive through `lines`. */
function startWskSide(...args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", "tests/reliability/flood_wsk.ts", ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const line = async (): Promise<string> => {
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`flood_wsk.ts ${args.join(" ")} ended early: ${text}`);
      text += value;
    }
    const at = text.indexOf("\n");
    const first = text.slice(0, at);
    text = text.slice(at + 1);
    return first;
  };
  return { child, line };
}

/** Growth from `before` to `during` of what the WSK side holds (V8 heap plus ArrayBuffers). */
function growth(report: FloodReport): number {
  const held = (m: Memory) => m.heapUsed + m.external;
  return held(report.during) - held(report.before);
}

function figures(report: FloodReport): string {
  const mib = (n: number) => `${(n / 1048576).toFixed(2)} MiB`;
  return `growth ${mib(growth(report))} (heap ${mib(report.during.heapUsed)}, external ${
    mib(report.during.external)
  }, RSS ${mib(report.during.rss)}, ${
    mib(report.during.rss - report.before.rss)
  } more than before)`;
}

Deno.test(`TCP: a peer pushing 1 GiB while no receive is posted leaves WSK (heap and RSS) within a few MiB; every byte arrives later`, async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const wsk = startWskSide("tcp", String(listener.addr.port));
  const peer = await listener.accept();
  listener.close();
  const chunk = new Uint8Array(1024 * 1024).fill(0x5a);
  const pushing = (async () => {
    for (let sent = 0; sent < TCP_BYTES; sent += chunk.length) {
      let at = 0;
      while (at < chunk.length) at += await peer.write(chunk.subarray(at));
    }
    await peer.closeWrite();
  })();
  const report: FloodReport = JSON.parse(await wsk.line());
  await pushing;
  peer.close();
  await wsk.child.stdin.close();
  assert.equal((await wsk.child.status).code, 0);
  console.log(`TCP 1 GiB: ${figures(report)}, ${report.buffered} bytes buffered`);
  assert.ok(growth(report) < MEMORY_BOUND, figures(report));
  assert.ok(report.during.rss - report.before.rss < MEMORY_BOUND, `RSS: ${figures(report)}`);
  assert.equal(report.drained, TCP_BYTES);
});

/** Sends `count` datagrams of `length` bytes to 127.0.0.1:`port`, a window at a time. */
async function udpFlood(port: number, count: number, length: number): Promise<void> {
  const socket = dgram.createSocket("udp4");
  const payload = new Uint8Array(length);
  const WINDOW = 64;
  for (let sent = 0; sent < count; sent += WINDOW) {
    const window = Math.min(WINDOW, count - sent);
    await Promise.all(Array.from({ length: window }, () =>
      new Promise<void>((resolve) =>
        // A send the kernel refuses (buffer full) is a dropped datagram, as on a real flood.
        socket.send(payload, port, "127.0.0.1", () => resolve())
      )));
  }
  await new Promise<void>((resolve) => socket.close(() => resolve()));
}

for (const retained of [false, true]) {
  const what = retained ? "with every indication retained" : "nobody reads";
  Deno.test(`UDP: ${UDP_DATAGRAMS} datagrams ${what}: WSK stays within a few MiB`, async () => {
    const wsk = startWskSide(retained ? "udp-retained" : "udp");
    const port = Number(await wsk.line());
    await udpFlood(port, UDP_DATAGRAMS, 512);
    await wsk.child.stdin.close();
    const report: FloodReport = JSON.parse(await wsk.line());
    assert.equal((await wsk.child.status).code, 0);
    console.log(
      `UDP ${UDP_DATAGRAMS} (${what}): ${figures(report)}, ${report.received} received, ` +
        `${report.dropped} dropped, ${report.retained} retained`,
    );
    assert.ok(growth(report) < MEMORY_BOUND, figures(report));
    assert.ok(report.dropped! > 0, "the flood went past the socket's bound");
    if (retained) assert.ok(report.retained! > 0);
  });
}
