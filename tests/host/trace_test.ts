// Copyright 2026 the wskemu authors. MIT license.
// --trace writes Chrome Trace Event JSON with the structure of the run, and
// --seed makes low-resources and completion-timing runs replay exactly.
import assert from "node:assert/strict";
import { runExample, startServer } from "../examples/_spawn.ts";
import { readAll } from "../_wsk.ts";
import { DriverHost, type TraceEvent, VERIFIER_OFF } from "../../host/mod.ts";
import {
  type DRIVER_OBJECT,
  type ETHREAD,
  type HANDLE,
  KeWaitForSingleObject,
  ObReferenceObjectByHandle,
  PsCreateSystemThread,
  PsTerminateSystemThread,
  STATUS_CANCELLED,
  STATUS_SUCCESS,
  ZwClose,
} from "../../irp/mod.ts";

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
  const spans = events.filter((e) => e.ph === "X" && e.cat === "irp");
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
    const reply = await readAll(conn);
    conn.close();
    assert.equal((await server.stop()).code, 0);
    const events: TraceEvent[] = JSON.parse(await Deno.readTextFile(file)).traceEvents;
    const callbacks = events.filter((e) => e.cat === "callback").map((e) => e.name);
    assert.ok(callbacks.includes("WskAcceptEvent → STATUS_SUCCESS"), callbacks.join(", "));
    assert.ok(callbacks.some((name) => /^WskReceiveEvent → /.test(name)), callbacks.join(", "));
    assert.equal(reply.length, 4);
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

Deno.test("--trace: an IRP reused with IoReuseIrp has a span per call, each named after its own call and ended before the next", async () => {
  const events = await traced("udp_self");
  const irpOf = (e: TraceEvent) => String(e.args?.irp);
  const socket = events.find((e) => e.ph === "X" && e.name.startsWith("WskSocket "))!;
  // udp_self issues WskSocket, WskBind, WskGetLocalAddress, WskSendTo, WskCloseSocket on one IRP.
  const reused = events.filter((e) => e.ph === "X" && irpOf(e) === irpOf(socket))
    .sort((a, b) => a.ts - b.ts);
  assert.deepEqual(reused.map((e) => e.name.split(" ")[0]), [
    "WskSocket",
    "WskBind",
    "WskGetLocalAddress",
    "WskSendTo",
    "WskCloseSocket",
  ]);
  for (let i = 1; i < reused.length; i++) {
    const before = reused[i - 1]!;
    assert.ok(
      before.ts + before.dur! <= reused[i]!.ts,
      `${before.name} ends before ${reused[i]!.name} begins`,
    );
  }
});

async function Worker(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 5));
}

function Stopper(): void {
  PsTerminateSystemThread(STATUS_CANCELLED);
}

/** Starts a system thread and returns its object (the handle is closed). */
function startThread(routine: () => void | Promise<void>): ETHREAD {
  const Handle = { value: null as HANDLE | null };
  assert.equal(PsCreateSystemThread(Handle, 0, null, null, null, routine, null), STATUS_SUCCESS);
  const Thread = { value: null as unknown };
  ObReferenceObjectByHandle(Handle.value!, 0, null, 0, Thread, null);
  ZwClose(Handle.value!);
  return Thread.value as ETHREAD;
}

Deno.test("--trace: each system thread has its own track with its life as a span; DriverEntry and DriverUnload are spans on the driver's", async () => {
  let threads: ETHREAD[] = [];
  const host = new DriverHost({
    DriverEntry(DriverObject: DRIVER_OBJECT) {
      threads = [startThread(Worker), startThread(Stopper)];
      DriverObject.DriverUnload = async () => {
        for (const Thread of threads) await KeWaitForSingleObject(Thread, 0, 0, false, null);
      };
      return STATUS_SUCCESS;
    },
  }, { name: "threads", verifier: VERIFIER_OFF, trace: true, log: () => {} });
  await host.start();
  assert.equal((await host.stop()).clean, true);
  const events = host.trace!.events;
  const tracks = new Map(
    events.filter((e) => e.ph === "M").map((e) => [e.tid, String(e.args!.name)]),
  );
  const spans = events.filter((e) => e.ph === "X").map((e) => `${tracks.get(e.tid)}: ${e.name}`);
  assert.deepEqual(spans.sort(), [
    "driver (PASSIVE_LEVEL): DriverEntry → STATUS_SUCCESS",
    "driver (PASSIVE_LEVEL): DriverUnload → returned",
    "system thread Stopper: Stopper → STATUS_CANCELLED",
    "system thread Worker: Worker → STATUS_SUCCESS",
  ]);
  const worker = events.find((e) => e.name === "Worker → STATUS_SUCCESS")!;
  assert.ok(worker.dur! >= 4_000, "the worker's span lasts as long as it ran (5 ms)");
});
