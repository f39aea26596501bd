// Copyright 2026 the wskemu authors. MIT license.
/**
 * Memory per idle connected socket: a child process (this file, run with
 * `--v8-flags=--expose-gc`) opens N connections to a port of the peer
 * process that holds them open, and reports the growth of its RSS and of its
 * V8 heap + external memory, after garbage collection, divided by N. One
 * child per side and count, so nothing of one side stays in another's
 * figures. The peer closes its ends first, so the children leave no
 * TIME_WAIT behind on the client's ports.
 *
 * Child run: `deno run --allow-net --v8-flags=--expose-gc bench/memory.ts SIDE COUNT PORT`
 *
 * @module
 */
import net from "node:net";
import type { Peer } from "./_peer.ts";
import { readLines } from "./_peer.ts";
import { type Measured, median, type Side } from "./_rounds.ts";

const KiB = 1024;
/** Connections opened at a time: well below the listen backlog. */
const BATCH = 16;

/** What one child measured, in bytes per socket. */
interface PerSocket {
  rss: number;
  heap: number;
}

/** Opens one idle connection of `side` to `port`; the value keeps it alive. */
async function open(side: Side, port: number): Promise<unknown> {
  if (side === "raw") return await Deno.connect({ hostname: "127.0.0.1", port });
  if (side === "node") {
    const socket = net.connect({ host: "127.0.0.1", port });
    await new Promise((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    return socket;
  }
  const { connect } = await import("./_wsk.ts");
  return await connect(port);
}

function collect(): Deno.MemoryUsage {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with --v8-flags=--expose-gc");
  gc();
  gc();
  return Deno.memoryUsage();
}

async function child(side: Side, count: number, port: number): Promise<void> {
  // Warm up: load and compile the side's code before the first measurement.
  await open(side, port);
  const before = collect();
  const kept: unknown[] = [];
  for (let opened = 0; opened < count; opened += BATCH) {
    const batch = Math.min(BATCH, count - opened);
    kept.push(...await Promise.all(Array.from({ length: batch }, () => open(side, port))));
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  const after = collect();
  const result: PerSocket = {
    rss: (after.rss - before.rss) / count,
    heap: (after.heapUsed + after.external - before.heapUsed - before.external) / count,
  };
  console.log(JSON.stringify(result));
  // Hold every socket until the parent has the figure and the peer dropped its ends.
  for await (const _ of Deno.stdin.readable);
  kept.length = 0;
  Deno.exit(0);
}

/** One child's figures for `side` with `count` sockets. */
async function measure(peer: Peer, side: Side, count: number): Promise<PerSocket> {
  const { port } = await peer.command<{ port: number }>("listen");
  const process = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--allow-read",
      "--v8-flags=--expose-gc",
      import.meta.filename!,
      side,
      String(count),
      String(port),
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const first = await readLines(process.stdout).next();
  await peer.command(`drop ${port}`);
  await process.stdin.close();
  await process.status;
  if (first.done) throw new Error(`the ${side} memory child failed`);
  return JSON.parse(first.value);
}

/** The memory rows: RSS and heap per idle socket at `count` sockets, `rounds` children per side. */
export async function memoryRows(
  peer: Peer,
  count: number,
  rounds: number,
): Promise<Measured[]> {
  const sides: Side[] = ["raw", "node", "wsk"];
  const rss = new Map<Side, number[]>(sides.map((s) => [s, []]));
  const heap = new Map<Side, number[]>(sides.map((s) => [s, []]));
  for (let round = 0; round < rounds; round++) {
    for (const side of sides) {
      const figures = await measure(peer, side, count);
      rss.get(side)!.push(figures.rss / KiB);
      heap.get(side)!.push(figures.heap / KiB);
    }
  }
  const medians = (of: Map<Side, number[]>) =>
    Object.fromEntries(sides.map((side) => [side, median(of.get(side)!)]));
  const sockets = count >= 1000 ? `${count / 1000}k` : String(count);
  const children = `${rounds} child process${rounds > 1 ? "es" : ""} per side`;
  return [
    {
      path: `idle socket RSS, ${sockets} sockets`,
      unit: "KiB",
      figures: medians(rss),
      note: children,
    },
    {
      path: `idle socket heap, ${sockets} sockets`,
      unit: "KiB",
      figures: medians(heap),
      note: children,
    },
  ];
}

if (import.meta.main) {
  const [side, count, port] = Deno.args;
  await child(side as Side, Number(count), Number(port));
}
