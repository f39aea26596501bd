// Copyright 2026 the wskemu authors. MIT license.
// Internal: what every WSK socket has — its owner, its pending IRPs, its
// options and enabled events — and the close that never fails.
import type { IRP } from "../irp/irp.ts";
import { queueIrpCompletion } from "../irp/completion.ts";
import {
  type NTSTATUS,
  STATUS_FILE_FORCED_CLOSED,
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_PARAMETER,
  STATUS_PENDING,
  STATUS_SUCCESS,
} from "../irp/ntstatus.ts";
import type { Endpoint, Result } from "../transport/types.ts";
import type { ClientResource, WskClientState } from "./_client.ts";
import { checkIrp, failIrp, PendingIrp, PendingList, takeIrp } from "./_irp.ts";
import { settledResult } from "./_settled.ts";
import { AF_INET6 } from "./constants.ts";
import type { WSK_SOCKET } from "./structures.ts";

/** Socket options as recorded; the transport applies what it can. */
export class SocketOptions {
  /** SO_KEEPALIVE. */
  keepAlive = false;
  /** TCP_NODELAY. */
  noDelay = false;
  /** SO_REUSEADDR. */
  reuseAddress = false;
  /** SO_EXCLUSIVEADDRUSE. */
  exclusive = false;
  /** SO_RCVBUF: recorded and reported back; it also sizes the receive buffering bound. */
  receiveBuffer = 64 * 1024;
  /** SO_SNDBUF: recorded and reported back. */
  sendBuffer = 64 * 1024;
  /** IPV6_V6ONLY: on Windows an AF_INET6 socket is IPv6-only until set to 0. */
  v6Only: boolean;
  /** SO_BROADCAST. */
  broadcast = false;
  /** SO_CONDITIONAL_ACCEPT. */
  conditionalAccept = false;

  constructor(family: number) {
    this.v6Only = family === AF_INET6;
  }
}

/** The outcome of an I/O control: a status and, for queries, a number to return. */
export interface IoctlResult {
  /** The status. */
  status: NTSTATUS;
  /** A SIZE_T to write to the output buffer. */
  output?: number;
  /** A structure to copy into the output object. */
  outputObject?: object;
}

/** The base of every socket category. The object itself is the client's `WSK_SOCKET`. */
export abstract class SocketBase implements WSK_SOCKET, ClientResource {
  /** The provider dispatch table of the category. */
  abstract readonly Dispatch: unknown;
  /** IRPs this socket holds, in posting order. */
  readonly pending: PendingList = new PendingList();
  /** WskCloseSocket was called: no completion or callback runs after this. */
  closed = false;
  /** Recorded options. */
  options: SocketOptions;
  /** Events enabled with SO_WSK_EVENT_CALLBACK or statically. */
  eventMask = 0;
  /** The event bits whose callback is running now (for STATUS_EVENT_PENDING). */
  runningEvent = 0;
  /** Disables given an IRP while their callback ran: they complete once it returned. */
  #disables: { bits: number; op: PendingIrp }[] = [];

  constructor(
    readonly client: WskClientState,
    readonly family: number,
    readonly socketType: number,
    readonly protocol: number,
    public context: unknown,
    public clientDispatch: unknown,
  ) {
    this.options = new SocketOptions(family);
    client.sockets.add(this);
  }

  /** Event bits this category accepts in SO_WSK_EVENT_CALLBACK. */
  abstract readonly eventBits: number;

  /** Whether events may be enabled now (after bind or after connect, per category). */
  abstract eventsAllowed(): boolean;

  /** Whether options that must precede bind may still be set. */
  abstract beforeBind(): boolean;

  /** The bound local endpoint, if any. */
  abstract localEndpoint(): Endpoint | null;

  /** Category-specific I/O controls; null when the code is not one of them. */
  ioctl(_code: number, _input: unknown, _inputSize: number): IoctlResult | null {
    return null;
  }

  /** Events were just enabled: deliver what is already waiting (from the queue, never inline). */
  eventsEnabled(_bits: number): void {}

  /** The socket WskControlSocket acts on: itself, or a committed stream socket's inner socket. */
  controlTarget(): SocketBase {
    return this;
  }

  /** Release the transport; called once, after every pending IRP was cancelled. */
  protected abstract release(): void;

  /**
   * Runs the client's callback for event `bit`, marked as running: disabling
   * that event from inside it gets STATUS_EVENT_PENDING (or, with an IRP,
   * STATUS_PENDING and a completion once it returned), as documented.
   */
  runEvent<R>(bit: number, callback: () => R): R {
    const outer = (this.runningEvent & bit) !== 0;
    this.runningEvent |= bit;
    try {
      return callback();
    } finally {
      if (!outer) {
        this.runningEvent &= ~bit;
        this.#settleDisables();
      }
    }
  }

  /** A disable with an IRP while the callback of `bits` runs: `Irp` completes when it returned. */
  disableWhenReturned(bits: number, Irp: IRP): NTSTATUS {
    this.#disables.push({ bits, op: new PendingIrp(Irp, null, null, false) });
    return STATUS_PENDING;
  }

  #settleDisables(): void {
    if (this.#disables.length === 0) return;
    const waiting = this.#disables;
    this.#disables = waiting.filter(({ bits }) => (this.runningEvent & bits) !== 0);
    for (const { bits, op } of waiting) {
      if ((this.runningEvent & bits) === 0) op.complete(STATUS_SUCCESS);
    }
  }

  /** Apply an option that was just recorded (e.g. keep-alive on a live stream). */
  applyOptions(): void {}

  /**
   * WskCloseSocket: cancel every pending IRP (in posting order, each with
   * STATUS_CANCELLED), release the transport, then complete the close IRP
   * after them. Never fails.
   */
  close(Irp: IRP): NTSTATUS {
    takeIrp(Irp);
    this.#teardown();
    queueIrpCompletion(Irp, STATUS_SUCCESS, 0);
    this.client.released(this);
    return STATUS_PENDING;
  }

  /**
   * Completes `op` with the outcome of `opening` (a listener or UDP socket
   * being bound): `opened` takes the new object, `failed` resets the state. A
   * socket closed meanwhile closes the object (its close already completed `op`).
   */
  protected whenOpened<T extends { close(): void }>(
    op: PendingIrp,
    opening: Promise<Result<T>>,
    opened: (value: T) => void,
    failed: () => void,
  ): void {
    settledResult(() => opening).then((result) => {
      if (this.closed) {
        result.value?.close();
        return;
      }
      if (!result.value) {
        failed();
        op.complete(result.status);
        return;
      }
      opened(result.value);
      op.complete(STATUS_SUCCESS);
    });
  }

  /** Close without an IRP: sockets the client never saw, or a stream socket's inner socket. */
  shutdown(): void {
    if (this.closed) return;
    this.#teardown();
    this.client.released(this);
  }

  #teardown(): void {
    this.closed = true;
    // A disable issued from a callback that then closed the socket: it took effect.
    if (this.#disables.length > 0) {
      for (const { op } of this.#disables.splice(0)) op.complete(STATUS_SUCCESS);
    }
    // The list iterates a copy: cancelling takes each IRP out of it.
    if (this.pending.size > 0) { for (const op of this.pending) op.cancel(); }
    this.release();
  }
}

/** A socket-level call's common checks; `body` runs only for a live socket of `kind`. */
export function socketCall<T extends SocketBase>(
  Socket: unknown,
  Irp: IRP | null,
  // deno-lint-ignore no-explicit-any
  kind: abstract new (...args: any[]) => T,
  body: (socket: T, Irp: IRP) => NTSTATUS,
): NTSTATUS {
  const socket = socketFor(Socket, Irp, kind);
  return typeof socket === "number" ? socket : body(socket, Irp!);
}

/**
 * {@linkcode socketCall}'s checks alone, for a hot call that passes its
 * arguments on without a closure: the live socket of `kind` (then `Irp` is
 * usable), or what the call returns (the IRP, if any, completes with the failure).
 */
export function socketFor<T extends SocketBase>(
  Socket: unknown,
  Irp: IRP | null,
  // deno-lint-ignore no-explicit-any
  kind: abstract new (...args: any[]) => T,
): T | NTSTATUS {
  if (!Irp) return STATUS_INVALID_PARAMETER;
  checkIrp(Irp); // an unusable IRP bug checks before anything is created
  if (!(Socket instanceof SocketBase)) return failIrp(Irp, STATUS_INVALID_HANDLE);
  if (Socket.closed) return failIrp(Irp, STATUS_FILE_FORCED_CLOSED);
  if (!(Socket instanceof kind)) return failIrp(Irp, STATUS_INVALID_PARAMETER);
  return Socket;
}

/** WskCloseSocket for every category (it is in the Basic table). */
export function WskCloseSocket(Socket: WSK_SOCKET, Irp: IRP | null): NTSTATUS {
  return socketCall(Socket, Irp, SocketBase, (s, irp) => s.close(irp));
}
