// Copyright 2026 the wskemu authors. MIT license.
// Shared by the example servers: the worker that runs deferred work (what the
// samples' system worker thread does), the synchronous-call pattern, and the
// `deno run` entry that hands a server to the driver host.
import type { DriverModule } from "../host/driver_module.ts";
import { main as driverHost } from "../host/main.ts";
import { unhandledException } from "../irp/_unhandled.ts";
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
  queueDpc,
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
 * A work item that bug checks stops the machine as on Windows: the bug check
 * goes where every bug check from queued work goes (`onBugCheck`, the driver
 * host), and an exception of any other kind becomes KMODE_EXCEPTION_NOT_HANDLED.
 */
export class WorkQueue {
  #tail: Promise<void> = Promise.resolve();

  /** Queues `item` after everything already queued. */
  enqueue(item: () => void | Promise<unknown>): void {
    this.#tail = this.#tail.then(item).then(
      () => {},
      (error) => raiseFromWorkItem(error, item.name || "(anonymous)"),
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

/** Raises what a work item threw as a bug check from queued work. */
function raiseFromWorkItem(error: unknown, name: string): void {
  const bugCheck = unhandledException(error, `the work item ${name}`);
  queueDpc(function raiseWorkItemBugCheck() {
    throw bugCheck;
  });
}

/**
 * The `deno run examples/SERVER.ts` entry: runs the server (`driver`, the
 * module's own exports: it cannot import itself while it runs) as a driver
 * under the host, turning `--port N` into `--param Port=N` (and `--ipv6` into
 * `--param IPv6=1`); other options (`--verifier`, `--trace`, ...) go to the
 * host as they are. Returns the exit code (2 after the usage for bad
 * arguments).
 */
export async function runAsDriver(
  driver: DriverModule,
  script: string,
  args: string[],
  usage: string,
): Promise<number> {
  const host: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--port") {
      const value = args[++i] ?? "";
      if (!/^\d+$/.test(value) || Number(value) > 65535) {
        console.error(usage);
        return 2;
      }
      host.push("--param", `Port=${value}`);
    } else if (arg === "--ipv6") host.push("--param", "IPv6=1");
    else host.push(arg);
  }
  return await driverHost(["run", script, ...host], driver);
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
