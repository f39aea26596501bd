// Copyright 2026 the wskemu authors. MIT license.
/**
 * The IRP cycles, shared by `irp_bench.ts` (`deno bench`) and the table:
 * - the I/O manager's own cycle: allocate an IRP, set its completion routine,
 *   push the provider's location, complete it, free it;
 * - the same through the completion queue, as a provider completes: the
 *   driver reuses its IRP and sets the routine, the "provider" takes it
 *   (IoSetNextIrpStackLocation, IoMarkIrpPending) and queues its completion,
 *   the queue drains, the routine issues the next one: the I/O manager's
 *   share of every WSK call;
 * - one WskSend cycle with the transport stubbed (its write resolves at
 *   once): the driver reuses its IRP, sets the routine, calls WskSend; the
 *   provider takes the IRP, the write resolves, the completion is queued and
 *   drained, and the routine issues the next WskSend. Everything WSK and the
 *   I/O manager add to a send, and nothing of the socket.
 *
 * The table measures each cycle in a child process of its own (this file run
 * as `deno run --allow-all bench/irp_cycle.ts NAME CYCLES ROUNDS`, printing
 * the median ns per cycle): in the bench process, call sites shared with the
 * socket rows would have gone megamorphic and charged WSK for the harness.
 *
 * @module
 */
import {
  IO_NO_INCREMENT,
  IoAllocateIrp,
  IoCompleteRequest,
  IoFreeIrp,
  IoMarkIrpPending,
  IoSetCompletionRoutine,
  IoSetNextIrpStackLocation,
  type NTSTATUS,
  queueIrpCompletion,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_NOT_SUPPORTED,
  STATUS_PENDING,
  STATUS_SUCCESS,
  type WSK_SOCKET,
} from "../mod.ts";
import type { TcpStream, Transport } from "../transport/types.ts";
import { median, timed } from "./_rounds.ts";
import { buf, connect, connection, Pump, register } from "./_wsk.ts";

const Routine = () => STATUS_MORE_PROCESSING_REQUIRED;

/** `cycles` allocate → set completion → push → complete → free cycles. */
export function irpCycles(cycles: number): void {
  for (let i = 0; i < cycles; i++) {
    const Irp = IoAllocateIrp(1, false)!;
    IoSetCompletionRoutine(Irp, Routine, null, true, true, true);
    IoSetNextIrpStackLocation(Irp);
    Irp.IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    IoFreeIrp(Irp);
  }
}

/** `cycles` IRPs taken and completed through the completion queue, one in flight. */
export function queuedCycles(cycles: number): Promise<void> {
  let issued = 0;
  return new Pump(
    1,
    (Irp) => {
      issued++;
      IoSetNextIrpStackLocation(Irp);
      IoMarkIrpPending(Irp);
      queueIrpCompletion(Irp, STATUS_SUCCESS, 1024);
      return STATUS_PENDING;
    },
    () => issued < cycles,
    () => {},
  ).done;
}

const written: Promise<NTSTATUS> = Promise.resolve(STATUS_SUCCESS);
const local = { hostname: "127.0.0.1", port: 1, family: 4 } as const;

/** A stream that accepts every write at once and never reads. */
const stubStream: TcpStream = {
  localAddress: local,
  remoteAddress: local,
  writeQueueSize: 0,
  receive() {},
  pause() {},
  resume() {},
  write: () => written,
  shutdownWrite: () => written,
  abort() {},
  close() {},
  setNoDelay() {},
  setKeepAlive() {},
};

const unsupported = () => Promise.resolve({ status: STATUS_NOT_SUPPORTED, value: null });

/** A network with one thing in it: every TCP connect gets the stub stream. */
const stubTransport: Transport = {
  tcp: {
    connect: () => Promise.resolve({ status: STATUS_SUCCESS, value: stubStream }),
    listen: unsupported,
  },
  udp: { bind: unsupported },
  dns: { getAddressInfo: unsupported, getNameInfo: unsupported },
};

/** A WSK connection socket whose transport is the stub. */
export function stubbedSocket(): Promise<WSK_SOCKET> {
  return connect(1, false, register(stubTransport));
}

const payload = buf(new Uint8Array(1024));

/** `cycles` WskSend cycles of 1 KiB, one IRP in flight, on a stubbed socket. */
export function wskSendCycles(Socket: WSK_SOCKET, cycles: number): Promise<void> {
  let issued = 0;
  return new Pump(
    1,
    (Irp) => (issued++, connection(Socket).WskSend(Socket, payload, 0, Irp)),
    () => issued < cycles,
    () => {},
  ).done;
}

/** The cycles by name, for the child process. */
const CYCLE_RUNS: Record<string, () => Promise<(cycles: number) => unknown>> = {
  wskSend: async () => {
    const Socket = await stubbedSocket();
    return (cycles) => wskSendCycles(Socket, cycles);
  },
  queued: () => Promise.resolve(queuedCycles),
  irp: () => Promise.resolve(irpCycles),
};

/** The median ns per cycle of `name`, over `rounds` rounds of `cycles` after one warm-up round. */
export async function measureCycle(name: string, cycles: number, rounds: number): Promise<number> {
  const run = await CYCLE_RUNS[name]();
  // Warm up long enough for the JIT to settle (a few times a round).
  for (let i = 0; i < 4; i++) await run(cycles);
  const figures: number[] = [];
  for (let i = 0; i < rounds; i++) figures.push(await timed(() => run(cycles)) * 1e9 / cycles);
  return median(figures);
}

if (import.meta.main) {
  const [name, cycles, rounds] = Deno.args;
  console.log(await measureCycle(name, Number(cycles), Number(rounds)));
}
