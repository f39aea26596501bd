// Copyright 2026 the wskemu authors. MIT license.
/**
 * What the driver host's verifier options and trace cost: examples/echosrv.ts
 * run under the host, 4 concurrent real clients echoing 4 MiB each, with
 * every option off (the baseline of the group, so `deno bench` prints each
 * option's time as a ratio to it) and with each option on alone.
 *
 * Run: `deno bench --allow-all bench/verifier_bench.ts`
 *
 * @module
 */
import { DriverHost, parseVerifierFlags, VERIFIER_OFF } from "../host/mod.ts";
import * as echosrv from "../examples/echosrv.ts";
import type { DriverVerifierSettings } from "../irp/verifier.ts";

const CLIENTS = 4;
const PER_CLIENT = 4 * 1024 * 1024;
const CHUNK = 64 * 1024;

/** One client: writes PER_CLIENT bytes, reads them all back. */
async function client(port: number): Promise<void> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const data = new Uint8Array(CHUNK).fill(0x5A);
  const writer = (async () => {
    for (let sent = 0; sent < PER_CLIENT; sent += CHUNK) {
      for (let off = 0; off < CHUNK;) off += await conn.write(data.subarray(off));
    }
    await conn.closeWrite();
  })();
  const back = new Uint8Array(CHUNK);
  let got = 0;
  while (got < PER_CLIENT) {
    const n = await conn.read(back);
    if (n === null) break;
    got += n;
  }
  await writer;
  conn.close();
  if (got !== PER_CLIENT) throw new Error(`echoed ${got} of ${PER_CLIENT} bytes`);
}

/** A port that was free a moment ago (from port 0), for the driver's Port parameter. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Loads echosrv with `verifier` (and the trace, if asked), and times the echo alone. */
async function echo(b: Deno.BenchContext, verifier: DriverVerifierSettings, trace = false) {
  const port = freePort();
  const host = new DriverHost(echosrv, {
    name: "echosrv",
    parameters: { Port: String(port) },
    verifier,
    trace,
    log: () => {},
  });
  const status = await host.start();
  if (status !== 0) throw new Error(`DriverEntry failed: 0x${status.toString(16)}`);
  b.start();
  await Promise.all(Array.from({ length: CLIENTS }, () => client(port)));
  b.end();
  const report = await host.stop();
  if (!report.clean) throw new Error(report.reason);
}

const options: [string, DriverVerifierSettings, boolean][] = [
  ["trace only (--trace)", VERIFIER_OFF, true],
  ["pooltracking", parseVerifierFlags("pooltracking"), false],
  ["specialpool", parseVerifierFlags("specialpool"), false],
  ["irqlchecking", parseVerifierFlags("irqlchecking"), false],
  // The dice are rolled for every allocation; no function matches, so nothing fails.
  ["faults (rolled, never failing)", parseVerifierFlags("faults=0.5,faults.functions=None"), false],
  ["forcepending=1", parseVerifierFlags("forcepending=1"), false],
  ["deadlock=60000", parseVerifierFlags("deadlock=60000"), false],
  ["standard (the host's default)", parseVerifierFlags("standard"), false],
];

Deno.bench({
  name: "verifier off",
  group: "echo 4 × 4 MiB",
  baseline: true,
  n: 8,
  warmup: 2,
  fn: async (b) => await echo(b, VERIFIER_OFF),
});

for (const [name, settings, trace] of options) {
  // forcepending makes each run seconds long: fewer of them.
  const slow = settings.completionDelayMs > 0;
  Deno.bench({
    name,
    group: "echo 4 × 4 MiB",
    n: slow ? 2 : 8,
    warmup: slow ? 0 : 2,
    fn: async (b) => await echo(b, settings, trace),
  });
}
