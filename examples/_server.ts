// Copyright 2026 the wskemu authors. MIT license.
// Shared by the example servers: the worker that runs deferred work (what the
// samples' system worker thread does), the synchronous-call pattern, and --port.
import {
  IoReuseIrp,
  IoSetCompletionRoutine,
  IPPROTO_IPV6,
  IPV6_V6ONLY,
  type IRP,
  KeInitializeEvent,
  KeSetEvent,
  KEVENT,
  KeWaitForSingleObject,
  type NTSTATUS,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_UNSUCCESSFUL,
  SynchronizationEvent,
  type WSK_PROVIDER_BASIC_DISPATCH,
  type WSK_SOCKET,
  WskSetOption,
} from "../mod.ts";

/**
 * A FIFO of work items run one after another at PASSIVE_LEVEL, outside any
 * completion routine or callback — where the samples queue their next WSK call.
 */
export class WorkQueue {
  #tail: Promise<void> = Promise.resolve();

  /** Queues `item` after everything already queued. */
  enqueue(item: () => void | Promise<unknown>): void {
    this.#tail = this.#tail.then(item).then(
      () => {},
      (error) => console.error("work item failed:", error),
    );
  }

  /** Settles once every queued item has run. */
  async drain(): Promise<void> {
    let tail;
    do {
      tail = this.#tail;
      await tail;
    } while (tail !== this.#tail);
  }
}

/** `--port N` (0 picks a free port); null after printing usage when the arguments are wrong. */
export function parsePort(args: string[], fallback: number, script: string): number | null {
  if (args.length === 0) return fallback;
  const [flag, value] = args;
  if (args.length === 2 && flag === "--port" && /^\d+$/.test(value!) && Number(value) < 65536) {
    return Number(value);
  }
  console.error(
    `usage: deno run -A ${script} [--port N]   (default ${fallback}; 0 picks a free port)`,
  );
  return null;
}

/**
 * Issues one WSK call on a reused IRP and waits for its completion, the
 * samples' synchronous pattern: IoReuseIrp, a completion routine that sets an
 * event and returns STATUS_MORE_PROCESSING_REQUIRED, KeWaitForSingleObject.
 */
export async function syncCall(Irp: IRP, issue: (Irp: IRP) => NTSTATUS): Promise<NTSTATUS> {
  const CompletionEvent = new KEVENT();
  KeInitializeEvent(CompletionEvent, SynchronizationEvent, false);
  IoReuseIrp(Irp, STATUS_UNSUCCESSFUL);
  IoSetCompletionRoutine(
    Irp,
    (_DeviceObject, _Irp, Context) => {
      KeSetEvent(Context as KEVENT, 0, false);
      return STATUS_MORE_PROCESSING_REQUIRED;
    },
    CompletionEvent,
    true,
    true,
    true,
  );
  issue(Irp);
  await KeWaitForSingleObject(CompletionEvent, 0, 0, false, null);
  return Irp.IoStatus.Status;
}

/** IPV6_V6ONLY = 0 before bind, so an AF_INET6 socket on [::] serves IPv4 peers too (as v4-mapped). */
export function allowIPv4(Irp: IRP, Socket: WSK_SOCKET): Promise<NTSTATUS> {
  const Dispatch = Socket.Dispatch as WSK_PROVIDER_BASIC_DISPATCH;
  const Off = new Uint8Array(4);
  return syncCall(
    Irp,
    (Irp) =>
      Dispatch.WskControlSocket(
        Socket,
        WskSetOption,
        IPV6_V6ONLY,
        IPPROTO_IPV6,
        4,
        Off,
        0,
        null,
        null,
        Irp,
      ),
  );
}
