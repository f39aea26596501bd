// Copyright 2026 the wskemu authors. MIT license.
/**
 * wskemu's benchmarks: every WSK path next to raw Deno (and `node:*`, our
 * transport), against a peer in its own process, as medians of alternating
 * rounds in one run. Prints the table of ratios against issue 10's targets.
 *
 * - `deno task bench`: run everything, print the table.
 * - `deno task bench --report`: also write BENCHMARKS.md and
 *   bench/throughput.svg.
 * - `deno task bench --only REGEX`: only the rows whose path matches (the
 *   memory and IRP rows are matched by "idle socket" and "cycle").
 *
 * @module
 */
import { Peer } from "./_peer.ts";
import { type Measured, ROUNDS } from "./_rounds.ts";
import { memoryRows } from "./memory.ts";
import { judge, loadAverage, machine, plot, table } from "./report.ts";
import { label, SIZES, tcpRows } from "./tcp.ts";
import { udpRows } from "./udp.ts";

const CYCLES = 50_000;
/** Memory figures hardly move between children; five per side are plenty. */
const MEMORY_ROUNDS = 5;

/** The IRP cycle rows, in ns per cycle, each cycle measured in a process of its own. */
async function cycleRows(): Promise<Measured[]> {
  const cycles: [string, string][] = [
    ["WskSend cycle, transport stubbed", "wskSend"],
    ["IRP cycle through the completion queue", "queued"],
    ["IRP cycle: allocate, complete, free", "irp"],
  ];
  const rows: Measured[] = [];
  for (const [path, name] of cycles) {
    const child = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        new URL("./irp_cycle.ts", import.meta.url).pathname,
        name,
        String(CYCLES),
        String(ROUNDS),
      ],
      stderr: "inherit",
    }).output();
    const ns = Number(new TextDecoder().decode(child.stdout));
    rows.push({
      path,
      unit: "ns",
      figures: { wsk: ns },
      note: "median of rounds in a process of its own",
    });
  }
  return rows;
}

function option(name: string): string | undefined {
  const at = Deno.args.indexOf(name);
  return at >= 0 ? Deno.args[at + 1] : undefined;
}

const only = new RegExp(option("--only") ?? ".");
const report = Deno.args.includes("--report");
const loadBefore = loadAverage();
const started = new Date();
const peer = await Peer.start();
const rows: Measured[] = [];
const progress = (row: Measured) => {
  rows.push(row);
  console.error(`measured: ${row.path}`);
};
const wanted = (...paths: string[]) => paths.some((path) => only.test(path));

try {
  await tcpRows(peer, only, progress);
  if (wanted("idle socket")) {
    for (const row of await memoryRows(peer, 1000, MEMORY_ROUNDS)) progress(row);
    for (const row of await memoryRows(peer, 10_000, MEMORY_ROUNDS)) progress(row);
  }
  await udpRows(peer, only, progress);
  if (wanted("cycle")) { for (const row of await cycleRows()) progress(row); }
} finally {
  await peer.stop();
}

const judged = judge(rows);
const text = table(judged);
console.log(text);
// Rows that say the same thing share one line.
const byNote = Map.groupBy(judged.filter((row) => row.note), (row) => row.note!);
const notes = [...byNote].map(([note, rows]) => `- ${rows.map((r) => r.path).join("; ")}: ${note}`);
if (notes.length) console.log("\n" + notes.join("\n"));

if (report) {
  const loadAfter = loadAverage();
  const svg = plot(rows, SIZES.map(label));
  const svgFile = new URL("./throughput.svg", import.meta.url);
  await Deno.writeTextFile(svgFile, svg);
  const markdown = `# Benchmarks

Measured by \`deno task bench --report\` on ${started.toISOString()}. Every figure
is the median of ${ROUNDS} rounds per side, the sides alternating in one run in an order that
rotates each round (raw, node, WSK; node, WSK, raw; ...; the UDP rows alternate raw and WSK and run
node:dgram's rounds apart, see bench/udp.ts), after one warm-up round each (memory: ${MEMORY_ROUNDS} child processes per side; IRP
cycles: ${ROUNDS} rounds in a process of their own); the peer runs in its own Deno process
(bench/peer.ts).
The ratio is WSK against raw Deno (\`Deno.Conn\`, \`Deno.listenDatagram\`), oriented so that
higher is better, except for memory, where it is WSK's size over node:net's. The node column
is \`node:net\` / \`node:dgram\`, which the transport uses. Absolute figures move with the load
of the machine; compare ratios.

## Machine

${machine(loadBefore, loadAfter)}

## Table

${text}

${notes.join("\n")}

## Throughput against buffer size

![Throughput of WskSend and WskReceive, raw Deno.Conn and node:net](bench/throughput.svg)

## Before and after

[bench/baseline-2026-12-02.md](bench/baseline-2026-12-02.md) gives every row before and after
issue 10's optimisations, measured on this machine in alternating runs.
`;
  const file = new URL("../BENCHMARKS.md", import.meta.url);
  await Deno.writeTextFile(file, markdown);
  // Laid out as `deno fmt` would, so that `deno task check` stays clean.
  await new Deno.Command(Deno.execPath(), { args: ["fmt", "-q", file.pathname, svgFile.pathname] })
    .output();
  console.error("wrote BENCHMARKS.md and bench/throughput.svg");
}
