// Copyright 2026 the wskemu authors. MIT license.
// Internal: a stream socket. It is uncommitted until WskListen (then it acts
// as a listening socket) or WskConnect (then as a connection socket); after
// that its calls go to that inner socket, which shares its options and events.
import type { IRP } from "../irp/irp.ts";
import {
  type NTSTATUS,
  STATUS_INVALID_DEVICE_STATE,
  STATUS_INVALID_PARAMETER,
} from "../irp/ntstatus.ts";
import type { Endpoint } from "../transport/types.ts";
import { fillSockaddr, sockaddrFamily, sockaddrToEndpoint } from "./_address.ts";
import { BasicDispatch } from "./_basic.ts";
import { connectEx, ConnectionSocket, reserved } from "./_connection.ts";
import { guardTable } from "./_guard.ts";
import { failIrp, succeedIrp } from "./_irp.ts";
import { ListenSocket } from "./_listen.ts";
import { SocketBase, socketCall } from "./_socket.ts";
import type { SOCKADDR } from "./address.ts";
import {
  WSK_EVENT_ACCEPT,
  WSK_EVENT_DISCONNECT,
  WSK_EVENT_RECEIVE,
  WSK_EVENT_SEND_BACKLOG,
} from "./constants.ts";
import type { WSK_BUF } from "../irp/mdl.ts";
import type { WSK_CLIENT_STREAM_DISPATCH, WSK_PROVIDER_STREAM_DISPATCH } from "./dispatch_types.ts";

/** A stream socket (WSK_FLAG_STREAM_SOCKET). */
export class StreamSocket extends SocketBase {
  readonly Dispatch: unknown = StreamDispatch;
  readonly eventBits: number = WSK_EVENT_ACCEPT | WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT |
    WSK_EVENT_SEND_BACKLOG;
  #local: Endpoint | null = null;
  inner: ListenSocket | ConnectionSocket | null = null;

  eventsAllowed(): boolean {
    return false;
  }

  beforeBind(): boolean {
    return this.#local === null;
  }

  /** Controls and events apply to the inner socket once committed. */
  override controlTarget(): SocketBase {
    return this.inner ?? this;
  }

  localEndpoint(): Endpoint | null {
    return this.inner?.localEndpoint() ?? this.#local;
  }

  #streamEvents(): WSK_CLIENT_STREAM_DISPATCH | null {
    return (this.clientDispatch as WSK_CLIENT_STREAM_DISPATCH | null) ?? null;
  }

  bind(LocalAddress: SOCKADDR, Flags: number, Irp: IRP): NTSTATUS {
    const local = sockaddrToEndpoint(LocalAddress);
    if (Flags !== 0 || !local || sockaddrFamily(LocalAddress) !== this.family) {
      return failIrp(Irp, STATUS_INVALID_PARAMETER);
    }
    if (this.#local || this.inner) return failIrp(Irp, STATUS_INVALID_DEVICE_STATE);
    this.#local = local;
    return succeedIrp(Irp);
  }

  /** WskListen: commit to listening. */
  listen(Irp: IRP): NTSTATUS {
    if (!this.#local || this.inner) return failIrp(Irp, STATUS_INVALID_DEVICE_STATE);
    const inner = this.#adopt(new ListenSocket(...this.#args()));
    inner.clientDispatch = this.#streamEvents()?.Listen ?? null;
    inner.connectionEvents = () => this.#streamEvents()?.Connect ?? null;
    inner.setLocal(this.#local);
    return inner.startListening(Irp);
  }

  /** WskConnect / WskConnectEx: commit to a connection. */
  connect(RemoteAddress: SOCKADDR, Flags: number, Irp: IRP, initial: WSK_BUF | null): NTSTATUS {
    if (this.inner instanceof ConnectionSocket) {
      return this.inner.connect(RemoteAddress, Flags, Irp, initial);
    }
    if (this.inner) return failIrp(Irp, STATUS_INVALID_DEVICE_STATE);
    const inner = this.#adopt(new ConnectionSocket(...this.#args()));
    inner.clientDispatch = this.#streamEvents()?.Connect ?? null;
    if (this.#local) {
      inner.local = this.#local;
      inner.state = "bound";
    }
    return inner.connect(RemoteAddress, Flags, Irp, initial);
  }

  /** Runs `body` on the inner socket if it is of `kind`, else fails with STATUS_INVALID_DEVICE_STATE. */
  as<T>(
    // deno-lint-ignore no-explicit-any
    kind: abstract new (...args: any[]) => T,
    Irp: IRP,
    body: (inner: T) => NTSTATUS,
  ): NTSTATUS {
    return this.inner instanceof kind
      ? body(this.inner)
      : failIrp(Irp, STATUS_INVALID_DEVICE_STATE);
  }

  #args() {
    return [this.client, this.family, this.socketType, this.protocol, this.context, null] as const;
  }

  #adopt<T extends ListenSocket | ConnectionSocket>(inner: T): T {
    inner.options = this.options;
    inner.eventMask = this.eventMask;
    this.inner = inner;
    return inner;
  }

  localAddress(Out: SOCKADDR, Irp: IRP): NTSTATUS {
    if (this.inner instanceof ListenSocket) return this.inner.address(Out, Irp);
    if (this.inner) return this.inner.address(Out, "local", Irp);
    if (!this.#local) return failIrp(Irp, STATUS_INVALID_DEVICE_STATE);
    fillSockaddr(Out, this.#local, this.family);
    return succeedIrp(Irp);
  }

  protected release(): void {
    this.inner?.shutdown();
  }
}

/** `WSK_PROVIDER_STREAM_DISPATCH`: calls go to the inner socket once the stream socket is committed. */
export const StreamDispatch: WSK_PROVIDER_STREAM_DISPATCH = guardTable<
  WSK_PROVIDER_STREAM_DISPATCH
>({
  Basic: BasicDispatch,
  ...BasicDispatch,
  WskBind: (Socket, LocalAddress, Flags, Irp) =>
    socketCall(Socket, Irp, StreamSocket, (s, irp) => s.bind(LocalAddress, Flags, irp)),
  WskListen: (Socket, Irp) => socketCall(Socket, Irp, StreamSocket, (s, irp) => s.listen(irp)),
  WskConnect: (Socket, RemoteAddress, Flags, Irp) =>
    socketCall(Socket, Irp, StreamSocket, (s, irp) => s.connect(RemoteAddress, Flags, irp, null)),
  WskConnectEx: (Socket, RemoteAddress, Buffer, Flags, Irp) =>
    socketCall(
      Socket,
      Irp,
      StreamSocket,
      (s, irp) => connectEx(s, RemoteAddress, Buffer, Flags, irp),
    ),
  WskAccept: (Socket, Flags, Context, Dispatch, Local, Remote, Irp) =>
    socketCall(
      Socket,
      Irp,
      StreamSocket,
      (s, irp) =>
        s.as(ListenSocket, irp, (l) => l.accept(Flags, Context, Dispatch, Local, Remote, irp)),
    ),
  WskSend: (Socket, Buffer, Flags, Irp) =>
    socketCall(
      Socket,
      Irp,
      StreamSocket,
      (s, irp) => s.as(ConnectionSocket, irp, (c) => c.send(Buffer, Flags, irp)),
    ),
  WskReceive: (Socket, Buffer, Flags, Irp) =>
    socketCall(
      Socket,
      Irp,
      StreamSocket,
      (s, irp) => s.as(ConnectionSocket, irp, (c) => c.receiveCall(Buffer, Flags, irp)),
    ),
  WskDisconnect: (Socket, Buffer, Flags, Irp) =>
    socketCall(
      Socket,
      Irp,
      StreamSocket,
      (s, irp) => s.as(ConnectionSocket, irp, (c) => c.disconnect(Buffer, Flags, irp)),
    ),
  WskRelease: (Socket, DataIndication) =>
    Socket instanceof StreamSocket && Socket.inner instanceof ConnectionSocket
      ? Socket.inner.receive.release(DataIndication)
      : STATUS_INVALID_PARAMETER,
  WskGetLocalAddress: (Socket, LocalAddress, Irp) =>
    socketCall(Socket, Irp, StreamSocket, (s, irp) => s.localAddress(LocalAddress, irp)),
  WskGetRemoteAddress: (Socket, RemoteAddress, Irp) =>
    socketCall(
      Socket,
      Irp,
      StreamSocket,
      (s, irp) => s.as(ConnectionSocket, irp, (c) => c.address(RemoteAddress, "remote", irp)),
    ),
  WskSendEx: reserved,
  WskReceiveEx: reserved,
});
