// Copyright 2026 the wskemu authors. MIT license.
/**
 * The IRP cycles, shared by `irp_bench.ts` (`deno bench`) and the table:
 * - the I/O manager's own cycle: allocate an IRP, set its completion routine,
 *   push the provider's location, complete it, free it;
 * - one WskSend cycle with the transport stubbed (its write resolves at
 *   once): the driver reuses its IRP, sets the routine, calls WskSend; the
 *   provider takes the IRP, the write resolves, the completion is queued and
 *   drained, and the routine issues the next WskSend. Everything WSK and the
 *   I/O manager add to a send, and nothing of the socket.
 *
 * @module
 */
import {
  IO_NO_INCREMENT,
  IoAllocateIrp,
  IoCompleteRequest,
  IoFreeIrp,
  IoSetCompletionRoutine,
  IoSetNextIrpStackLocation,
  type NTSTATUS,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_NOT_SUPPORTED,
  STATUS_SUCCESS,
  type WSK_SOCKET,
} from "../mod.ts";
import type { TcpStream, Transport } from "../transport/types.ts";
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
