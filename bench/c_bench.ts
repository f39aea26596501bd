// Copyright 2026 the wskemu authors. MIT license.
/**
 * C drivers next to their TypeScript counterparts, each in its own process
 * as a user runs them: the C echo server (examples/c/echosrv.c) against the
 * TS echosrv (examples/echosrv.ts), and the C BSD-style client
 * (examples/c/bsd) against the same exchange written with wskemu's TS API.
 * The cost of one KeWaitForSingleObject suspend/resume (JSPI) is printed
 * once, from tests/c/drivers/pingpong.c. The C client times its own exchange with
 * KeQueryPerformanceCounter, so loading the driver is not counted. Needs clang-16 and wasm-ld-16.
 *
 * Run: `deno bench --allow-all bench/c_bench.ts`
 *
 * @module
 */
import { toolchainAvailable } from "../host/_build.ts";
import { loadWasmDriver } from "../host/wasm/mod.ts";
import { DRIVER_OBJECT } from "../irp/device.ts";
import { echoesBack } from "../tests/c/_clients.ts";
import { driverWasm, startDriver } from "../tests/c/_driver.ts";
import { median } from "./_rounds.ts";
import { buf, call, close, connect, connection } from "./_wsk.ts";

const CLIENTS = 8;
const EXCHANGE = 256 * 1024;
const CHUNK = 8192;
const BYTES = 1024 * 1024;
const ready = await toolchainAvailable();

/** The TS echosrv in its own process; resolves with its port. */
async function tsServer(): Promise<{ port: number; stop(): void }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../examples/echosrv.ts", import.meta.url).pathname, "--port", "0"],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/listening on .*:(\d+)\n/.test(text)) text += (await reader.read()).value ?? "";
  return {
    port: Number(/listening on .*:(\d+)\n/.exec(text)![1]),
    stop: () => child.kill("SIGTERM"),
  };
}

async function echoRound(port: number): Promise<void> {
  const ok = await Promise.all(
    Array.from({ length: CLIENTS }, (_, i) => echoesBack("127.0.0.1", port, BYTES, i)),
  );
  if (!ok.every((x) => x)) throw new Error("an echo did not match");
}

/** The exchange of examples/c/bsd, run in-process; returns the milliseconds the C code measured for it. */
async function cClientExchange(wasm: string, port: number): Promise<number> {
  let done: () => void = () => {};
  let micros = NaN;
  const finished = new Promise<void>((resolve) => done = resolve);
  const driver = await loadWasmDriver(wasm, {
    memoryPages: 64,
    parameters: { Host: "127.0.0.1", Port: port },
    print: (line) => {
      const took = /exchange took (\d+) us/.exec(line);
      if (took) micros = Number(took[1]);
      if (line.startsWith("bsd_client: done")) done();
    },
  });
  const DriverObject = new DRIVER_OBJECT("\\Driver\\bsd_client");
  await driver.DriverEntry(DriverObject, {
    Length: 0,
    MaximumLength: 0,
    Buffer: "\\Registry\\Machine\\System\\CurrentControlSet\\Services\\bsd_client",
  });
  await finished;
  await DriverObject.DriverUnload?.(DriverObject);
  return micros / 1000;
}

/** The same exchange as examples/c/bsd, written with wskemu's TypeScript API. */
async function tsClientExchange(port: number): Promise<number> {
  const Socket = await connect(port);
  const start = performance.now();
  const d = connection(Socket);
  const out = new Uint8Array(CHUNK), back = new Uint8Array(CHUNK);
  const outBuf = buf(out), backBuf = buf(back);
  let sent = 0, received = 0;
  while (received < EXCHANGE) {
    if (sent < EXCHANGE) {
      for (let i = 0; i < CHUNK; i++) out[i] = (sent + i) * 7 + ((sent + i) >> 8);
      sent += Number((await call((Irp) => d.WskSend(Socket, outBuf, 0, Irp))).Information);
      if (sent === EXCHANGE) await call((Irp) => d.WskDisconnect(Socket, null, 0, Irp));
    }
    const n = Number((await call((Irp) => d.WskReceive(Socket, backBuf, 0, Irp))).Information);
    if (n === 0) break;
    received += n;
  }
  const took = performance.now() - start;
  await close(Socket);
  if (received !== EXCHANGE) throw new Error(`received ${received}`);
  return took;
}

/**
 * Median milliseconds of each side over `rounds` rounds that alternate TS and
 * C, after one warm-up round of each, so that load on the machine hits both.
 */
async function alternating(
  rounds: number,
  ts: () => Promise<number>,
  c: () => Promise<number>,
): Promise<{ tsMs: number; cMs: number }> {
  await ts();
  await c();
  const tsTimes: number[] = [], cTimes: number[] = [];
  for (let i = 0; i < rounds; i++) {
    tsTimes.push(await ts());
    cTimes.push(await c());
  }
  return { tsMs: median(tsTimes), cMs: median(cTimes) };
}

/** Milliseconds `work` takes. */
async function timed(work: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

/** Runs every comparison and prints one table: medians of alternating rounds, as C speed / TS speed. */
async function compare(): Promise<void> {
  const ts = await tsServer();
  const c = startDriver(await driverWasm("examples/c/echosrv.c"), { Port: 0 });
  try {
    const cPort = Number((await c.waitFor(/listening on \[::\]:(\d+)/))[1]);
    const client = await driverWasm("examples/c/bsd/bsd_client.c", "examples/c/bsd/ksocket.c");
    const lines: string[] = [];
    const pingpong = await loadWasmDriver(await driverWasm("tests/c/drivers/pingpong.c"), {
      print: (line) => lines.push(line),
    });
    await pingpong.DriverEntry(new DRIVER_OBJECT("\\Driver\\pingpong"), {
      Length: 0,
      MaximumLength: 0,
      Buffer: "\\Registry\\Machine\\System\\CurrentControlSet\\Services\\pingpong",
    });
    const server = await alternating(
      11,
      () => timed(() => echoRound(ts.port)),
      () => timed(() => echoRound(cPort)),
    );
    // Both clients time the exchange alone (connecting and loading the driver are not part of it).
    const clientSide = await alternating(
      21,
      () => tsClientExchange(cPort),
      () => cClientExchange(client, cPort),
    );
    const row = (what: string, tsMs: number, cMs: number) =>
      `${what.padEnd(48)} TS ${tsMs.toFixed(1).padStart(7)} ms   C ${
        cMs.toFixed(1).padStart(7)
      } ms   ` +
      `C/TS speed ${(tsMs / cMs).toFixed(2)}x`;
    console.log(row(`echo server, ${CLIENTS} clients × 1 MiB`, server.tsMs, server.cMs));
    console.log(
      row(
        `client, ${EXCHANGE / 1024} KiB in ${CHUNK / 1024} KiB turns`,
        clientSide.tsMs,
        clientSide.cMs,
      ),
    );
    console.log(`KeWaitForSingleObject suspend/resume: ${lines.join(" ")}`);
  } finally {
    ts.stop();
    await c.stop();
  }
}

if (ready) {
  Deno.bench({ name: "C drivers next to TS (the table is printed)", n: 1, warmup: 0 }, compare);
} else {
  console.warn(
    "bench/c_bench.ts skipped: clang-16 and wasm-ld-16 are missing (apt-get install -y clang-16 lld-16)",
  );
}
