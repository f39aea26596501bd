// Copyright 2026 the wskemu authors. MIT license.
// --trace writes Chrome Trace Event JSON with the structure of the run, and
// --seed makes low-resources and completion-timing runs replay exactly.
import assert from "node:assert/strict";
import { runExample, startServer } from "../examples/_spawn.ts";
import type { TraceEvent } from "../../host/mod.ts";

async function traced(driver: string, ...options: string[]): Promise<TraceEvent[]> {
  const file = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await runExample(
      "host/cli.ts",
      "run",
      `tests/drivers/${driver}.ts`,
      "--for",
      "0",
      "--trace",
      file,
      ...options,
    );
    return JSON.parse(await Deno.readTextFile(file)).traceEvents;
  } finally {
    await Deno.remove(file);
  }
}

Deno.test("--trace: a track per socket, the client and the queue; every IRP a span named with its call and final status", async () => {
  const events = await traced("udp_self");
  const tracks = new Map(
    events.filter((e) => e.ph === "M").map((e) => [e.tid, String(e.args!.name)]),
  );
  assert.deepEqual([...tracks.values()].slice(0, 3), [
    "driver (PASSIVE_LEVEL)",
    "completion queue (DISPATCH_LEVEL)",
    "WSK client",
  ]);
  const socketTracks = [...tracks].filter(([, name]) => /^socket 0x[0-9A-F]+$/.test(name));
  assert.equal(socketTracks.length, 1, "one socket, one track");
  const spans = events.filter((e) => e.ph === "X");
  assert.deepEqual(
    spans.map((e) => `${tracks.get(e.tid)!.split(" ")[0]}: ${e.name}`).sort(),
    [
      "WSK: WskSocket → STATUS_SUCCESS",
      "socket: WskBind → STATUS_SUCCESS",
      "socket: WskCloseSocket → STATUS_SUCCESS",
      "socket: WskGetLocalAddress → STATUS_SUCCESS",
      "socket: WskReceiveFrom → STATUS_SUCCESS",
      "socket: WskSendTo → STATUS_SUCCESS",
    ],
  );
  for (const span of spans) {
    assert.ok(span.dur! > 0 && span.ts >= 0, `${span.name} has a time and a duration`);
    assert.match(String(span.args!.irp), /^0x[0-9A-F]+$/);
  }
});

/** A trace without its timings: what must be the same from run to run. */
function shape(events: TraceEvent[]): string[] {
  return events.map((e) => `${e.ph} ${e.cat} ${e.tid} ${e.name}`);
}

Deno.test("--seed: the same seed gives the same low-resources failures and completion delays; another seed does not", async () => {
  const options = ["--verifier", "pooltracking,faults=0.3,forcepending=3"];
  const first = await traced("careful_allocations", ...options, "--seed", "7");
  const again = await traced("careful_allocations", ...options, "--seed", "7");
  const other = await traced("careful_allocations", ...options, "--seed", "8");
  assert.ok(first.some((e) => /^low resources: /.test(e.name)), "some allocations failed");
  assert.ok(
    first.some((e) => /^completion delay \d+ ms$/.test(e.name)),
    "completions were delayed",
  );
  assert.deepEqual(shape(again), shape(first));
  assert.notDeepEqual(shape(other), shape(first));
});

Deno.test("--trace: event callbacks are instant events with what they returned", async () => {
  const file = await Deno.makeTempFile({ suffix: ".json" });
  try {
    const server = await startServer("examples/echo_events.ts", "--trace", file);
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    await conn.write(new TextEncoder().encode("ping"));
    await conn.closeWrite();
    const reply = new Uint8Array(16);
    let got = 0;
    for (let n; (n = await conn.read(reply.subarray(got))) !== null;) got += n;
    conn.close();
    assert.equal((await server.stop()).code, 0);
    const events: TraceEvent[] = JSON.parse(await Deno.readTextFile(file)).traceEvents;
    const callbacks = events.filter((e) => e.cat === "callback").map((e) => e.name);
    assert.ok(callbacks.includes("WskAcceptEvent → STATUS_SUCCESS"), callbacks.join(", "));
    assert.ok(callbacks.some((name) => /^WskReceiveEvent → /.test(name)), callbacks.join(", "));
    assert.equal(got, 4);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("--trace-svg draws the same run: one row per track, a green bar per successful IRP", async () => {
  const file = await Deno.makeTempFile({ suffix: ".svg" });
  try {
    const { code } = await runExample(
      "host/cli.ts",
      "run",
      "tests/drivers/udp_self.ts",
      "--for",
      "0",
      "--trace-svg",
      file,
    );
    assert.equal(code, 0);
    const svg = await Deno.readTextFile(file);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, />completion queue \(DISPATCH_LEVEL\)</);
    assert.match(svg, />socket 0x[0-9A-F]+</);
    const success = svg.match(/fill="#3a9d5d" opacity/g) ?? [];
    assert.equal(
      success.length,
      6,
      "WskSocket, WskBind, WskGetLocalAddress, WskReceiveFrom, WskSendTo, WskCloseSocket",
    );
    assert.match(svg, /<title>WskSendTo → STATUS_SUCCESS @/);
  } finally {
    await Deno.remove(file);
  }
});
