// Copyright 2026 the wskemu authors. MIT license.
/**
 * What the driver host's verifier options and trace cost: examples/echosrv.ts
 * run under the host, 4 concurrent real clients echoing 4 MiB each, with
 * every option off and with each option on alone, in alternating rounds
 * (off, trace, pooltracking, ..., off, trace, ...) so that load drifting on a
 * shared machine hits them all alike. Prints each option's median time and
 * its ratio to off. forcepending, seconds a run, gets rounds of its own.
 *
 * Run: `deno run --allow-all bench/verifier_bench.ts [--rounds N]`
 *
 * @module
 */
import { DriverHost, parseVerifierFlags, VERIFIER_OFF } from "../host/mod.ts";
import * as echosrv from "../examples/echosrv.ts";
import type { DriverVerifierSettings } from "../irp/verifier.ts";
import { median, ROUNDS, timed } from "./_rounds.ts";
// The driver binds its Port parameter itself: a port free a moment ago.
import { freePort } from "../tests/transport/_tcp_helpers.ts";

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

/** Loads echosrv with `verifier` (and the trace, if asked); returns the echo's seconds alone. */
async function echo(verifier: DriverVerifierSettings, trace = false): Promise<number> {
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
  const seconds = await timed(() =>
    Promise.all(Array.from({ length: CLIENTS }, () => client(port)))
  );
  const report = await host.stop();
  if (!report.clean) throw new Error(report.reason);
  return seconds;
}

const options: [string, DriverVerifierSettings, boolean][] = [
  ["off", VERIFIER_OFF, false],
  ["trace only (--trace)", VERIFIER_OFF, true],
  ["pooltracking", parseVerifierFlags("pooltracking"), false],
  ["specialpool", parseVerifierFlags("specialpool"), false],
  ["irqlchecking", parseVerifierFlags("irqlchecking"), false],
  // The dice are rolled for every allocation; no function matches, so nothing fails.
  ["faults (rolled, never failing)", parseVerifierFlags("faults=0.5,faults.functions=None"), false],
  ["deadlock=60000", parseVerifierFlags("deadlock=60000"), false],
  ["standard (the host's default)", parseVerifierFlags("standard"), false],
];

const times = new Map<string, number[]>(options.map(([name]) => [name, []]));
for (const [, settings, trace] of options) await echo(settings, trace); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, settings, trace] of options) times.get(name)!.push(await echo(settings, trace));
}
const off = median(times.get("off")!);
// forcepending delays every completion, so a run takes seconds: it gets its
// own rounds, alternating with runs with every option off, and its ratio is
// to those.
const FORCEPENDING_ROUNDS = 5;
const pendingOff: number[] = [];
const pending: number[] = [];
for (let round = 0; round < FORCEPENDING_ROUNDS; round++) {
  pendingOff.push(await echo(VERIFIER_OFF));
  pending.push(await echo(parseVerifierFlags("forcepending=1")));
}

const MiB = (CLIENTS * PER_CLIENT) / (1024 * 1024);
console.log(
  `echosrv under the host, ${CLIENTS} clients × ${PER_CLIENT >> 20} MiB, median of ${ROUNDS}`,
);
console.log("| option | median | MiB/s | time ÷ off |");
console.log("| --- | ---: | ---: | ---: |");
const row = (name: string, m: number, base: number) =>
  console.log(
    `| ${name} | ${(m * 1000).toFixed(1)} ms | ${(MiB / m).toFixed(0)} | ${
      (m / base).toFixed(2)
    }× |`,
  );
for (const [name, values] of times) row(name, median(values), off);
row(
  `forcepending=1 (${FORCEPENDING_ROUNDS} rounds, ÷ the off runs between them)`,
  median(pending),
  median(pendingOff),
);
