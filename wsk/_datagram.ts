// Copyright 2026 the wskemu authors. MIT license.
// Internal: a datagram socket over one real UDP socket — bind, send (one
// datagram or a list), receive, the fixed remote and destination addresses,
// SO_BROADCAST — with Windows' state rules.
//
// Choices where the documentation is silent: WskSendTo, WskSendMessages and
// WskReceiveFrom on a socket not bound yet complete STATUS_INVALID_DEVICE_STATE
// (WSK never binds implicitly); non-zero Flags and control information on a
// send complete STATUS_NOT_SUPPORTED (no ancillary data is emulated); a send
// with no RemoteAddress and no fixed address completes STATUS_INVALID_PARAMETER.
import { DPC_WATCHDOG_VIOLATION, KeBugCheckEx } from "../irp/bugcheck.ts";
import { drainCompletionQueueNow } from "../irp/completion_queue.ts";
import type { IRP } from "../irp/irp.ts";
import { type WSK_BUF, wskBufSegments } from "../irp/mdl.ts";
import {
  type NTSTATUS,
  STATUS_INVALID_DEVICE_STATE,
  STATUS_INVALID_PARAMETER,
  STATUS_NOT_SUPPORTED,
  STATUS_PENDING,
  STATUS_SUCCESS,
} from "../irp/ntstatus.ts";
import { statusFromError } from "../transport/errors.ts";
import type { Datagram, Endpoint, UdpSocket } from "../transport/types.ts";
import { fillSockaddr, sockaddrFamily, sockaddrToEndpoint } from "./_address.ts";
import { DestinationEndpoints, sameEndpoint, sizeofSockaddr } from "./_datagram_address.ts";
import { DatagramReceiver } from "./_datagram_receive.ts";
import { failIrp, PendingIrp, succeedIrp } from "./_irp.ts";
import { BasicDispatch } from "./_basic.ts";
import { guardTable } from "./_guard.ts";
import { type IoctlResult, SocketBase, socketCall } from "./_socket.ts";
import type { SOCKADDR } from "./address.ts";
import {
  AF_INET6,
  SIO_WSK_SET_REMOTE_ADDRESS,
  SIO_WSK_SET_SENDTO_ADDRESS,
  WSK_EVENT_RECEIVE_FROM,
} from "./constants.ts";
import type {
  Box,
  PFN_WSK_RECEIVE_FROM_EVENT,
  WSK_CLIENT_DATAGRAM_DISPATCH,
  WSK_PROVIDER_DATAGRAM_DISPATCH,
} from "./dispatch_types.ts";
import type { WSK_BUF_LIST } from "./structures.ts";

/** A WskSendTo or WskSendMessages waiting for its turn. */
interface QueuedSend {
  /** One array of segments per datagram. */
  datagrams: Uint8Array[][];
  to: Endpoint;
  op: PendingIrp;
  /** Information on success: the bytes of every datagram. */
  total: number;
}

/** A datagram socket (WSK_FLAG_DATAGRAM_SOCKET). */
export class DatagramSocket extends SocketBase {
  readonly Dispatch: unknown = DatagramDispatch;
  readonly eventBits: number = WSK_EVENT_RECEIVE_FROM;
  state: "open" | "binding" | "bound" = "open";
  /** The receive side: pending WskReceiveFrom IRPs, queued datagrams, indications. */
  readonly receiver: DatagramReceiver = new DatagramReceiver(this);
  #udp: UdpSocket | null = null;
  /** SIO_WSK_SET_REMOTE_ADDRESS: the default destination, and the only accepted sender. */
  #remote: Endpoint | null = null;
  /** SIO_WSK_SET_SENDTO_ADDRESS: the default destination; inbound is not filtered. */
  #sendTo: Endpoint | null = null;
  /** Sends waiting for their turn, oldest first from `#sendHead`; the head is in flight. */
  #sends: (QueuedSend | undefined)[] = [];
  #sendHead = 0;
  /** Datagrams of the head send already on the wire. */
  #sentOfHead = 0;
  /** RemoteAddress SOCKADDRs read as endpoints. */
  readonly #destinations = new DestinationEndpoints();

  eventsAllowed(): boolean {
    return this.state === "bound";
  }

  beforeBind(): boolean {
    return this.state === "open";
  }

  override eventsEnabled(bits: number): void {
    if (bits & WSK_EVENT_RECEIVE_FROM) this.receiver.kick();
  }

  localEndpoint(): Endpoint | null {
    return this.#udp?.localAddress ?? null;
  }

  override applyOptions(): void {
    this.#udp?.setBroadcast(this.options.broadcast);
  }

  // ---- what the receive side asks of the socket ----

  get receiveLimit(): number {
    return this.options.receiveBuffer;
  }

  receiveFromEvent(): PFN_WSK_RECEIVE_FROM_EVENT | null {
    if (!(this.eventMask & WSK_EVENT_RECEIVE_FROM)) return null;
    return (this.clientDispatch as WSK_CLIENT_DATAGRAM_DISPATCH | null)?.WskReceiveFromEvent ??
      null;
  }

  eventRefused(): boolean {
    if (this.client.staticEvents & WSK_EVENT_RECEIVE_FROM) return true;
    this.eventMask &= ~WSK_EVENT_RECEIVE_FROM;
    return false;
  }

  // ---- socket I/O controls ----

  /** SIO_WSK_SET_REMOTE_ADDRESS and SIO_WSK_SET_SENDTO_ADDRESS: after bind; InputSize 0 clears. */
  override ioctl(code: number, input: unknown, inputSize: number): IoctlResult | null {
    if (code !== SIO_WSK_SET_REMOTE_ADDRESS && code !== SIO_WSK_SET_SENDTO_ADDRESS) return null;
    if (this.state !== "bound") return { status: STATUS_INVALID_DEVICE_STATE };
    let address: Endpoint | null = null;
    if (inputSize !== 0) {
      const sa = input as SOCKADDR | null;
      address = sockaddrToEndpoint(sa);
      if (
        !address || sockaddrFamily(sa) !== this.family || inputSize < sizeofSockaddr(this.family)
      ) {
        return { status: STATUS_INVALID_PARAMETER };
      }
    }
    if (code === SIO_WSK_SET_REMOTE_ADDRESS) this.#remote = address;
    else this.#sendTo = address;
    return { status: STATUS_SUCCESS };
  }

  // ---- the dispatch functions ----

  bind(LocalAddress: SOCKADDR, Flags: number, Irp: IRP): NTSTATUS {
    const local = sockaddrToEndpoint(LocalAddress);
    if (Flags !== 0 || !local || sockaddrFamily(LocalAddress) !== this.family) {
      return failIrp(Irp, STATUS_INVALID_PARAMETER);
    }
    if (this.state !== "open") return failIrp(Irp, STATUS_INVALID_DEVICE_STATE);
    this.state = "binding";
    const op = new PendingIrp(Irp, this.pending, null, false);
    this.whenOpened(
      op,
      this.client.transport.udp.bind({
        local,
        // SO_EXCLUSIVEADDRUSE wins over SO_REUSEADDR: nobody may share the port.
        reuseAddress: this.options.reuseAddress && !this.options.exclusive,
        ipv6Only: this.family === AF_INET6 && this.options.v6Only,
      }),
      (udp) => {
        this.#udp = udp;
        this.state = "bound";
        this.applyOptions();
        udp.receive((datagram) => {
          // The end of a transport callback (see drainCompletionQueueNow), when
          // the datagram completed a receive: the driver re-posts before the
          // next one. Datagrams for WskReceiveFromEvent are left to gather into
          // one indication per batch.
          if (this.#arrived(datagram)) drainCompletionQueueNow();
        });
      },
      () => this.state = "open",
    );
    return STATUS_PENDING;
  }

  sendTo(
    Buffer: WSK_BUF,
    Flags: number,
    RemoteAddress: SOCKADDR | null,
    ControlInfoLength: number,
    Irp: IRP,
  ): NTSTATUS {
    const refused = this.#cannotSend(Flags, ControlInfoLength);
    if (refused !== null) return failIrp(Irp, refused);
    const to = this.#destination(RemoteAddress);
    if (typeof to === "number") return failIrp(Irp, to);
    const segments = wskBufSegments(Buffer);
    // The datagram may already be on the wire when a cancel arrives: cancelling
    // completes the IRP, it cannot recall the datagram.
    const op = new PendingIrp(Irp, this.pending);
    this.#send({ datagrams: [segments], to, op, total: Buffer.Length });
    return STATUS_PENDING;
  }

  /**
   * WskSendMessages: one datagram per element, in order, stopping at the first
   * failure (which the IRP then completes with, Information 0); Information is
   * the total on success.
   */
  sendMessages(
    BufferList: WSK_BUF_LIST | null,
    Flags: number,
    RemoteAddress: SOCKADDR | null,
    ControlInfoLength: number,
    Irp: IRP,
  ): NTSTATUS {
    const refused = this.#cannotSend(Flags, ControlInfoLength);
    if (refused !== null) return failIrp(Irp, refused);
    const to = this.#destination(RemoteAddress);
    if (typeof to === "number") return failIrp(Irp, to);
    const buffers: WSK_BUF[] = [];
    const seen = new Set<WSK_BUF_LIST>();
    for (let element = BufferList; element; element = element.Next) {
      // A list that comes back to an element: the provider would walk it without end.
      if (seen.has(element)) {
        KeBugCheckEx(DPC_WATCHDOG_VIOLATION, 0, 0, 0, 0, "the WSK_BUF_LIST loops");
      }
      seen.add(element);
      buffers.push(element.Buffer);
    }
    if (buffers.length === 0) return failIrp(Irp, STATUS_INVALID_PARAMETER);
    const datagrams = buffers.map((buffer) => wskBufSegments(buffer));
    const total = buffers.reduce((sum, buffer) => sum + buffer.Length, 0);
    const op = new PendingIrp(Irp, this.pending);
    this.#send({ datagrams, to, op, total });
    return STATUS_PENDING;
  }

  receiveFrom(
    Buffer: WSK_BUF,
    Flags: number,
    RemoteAddress: SOCKADDR | null,
    ControlLength: Box<number> | null,
    ControlFlags: Box<number> | null,
    Irp: IRP,
  ): NTSTATUS {
    if (this.state !== "bound") return failIrp(Irp, STATUS_INVALID_DEVICE_STATE);
    if (Flags !== 0) return failIrp(Irp, STATUS_NOT_SUPPORTED);
    const segments = wskBufSegments(Buffer);
    return this.receiver.post(
      segments,
      Buffer.Length,
      RemoteAddress,
      ControlLength,
      ControlFlags,
      Irp,
    );
  }

  address(Out: SOCKADDR, Irp: IRP): NTSTATUS {
    const ep = this.localEndpoint();
    if (!ep) return failIrp(Irp, STATUS_INVALID_DEVICE_STATE);
    if (!Out || typeof Out !== "object") return failIrp(Irp, STATUS_INVALID_PARAMETER);
    fillSockaddr(Out, ep, this.family);
    return succeedIrp(Irp);
  }

  protected release(): void {
    this.#udp?.close();
    this.#udp = null;
    this.receiver.close();
  }

  /**
   * Queues a send behind every send issued before; the transport gets one
   * datagram at a time. The order matters: node:dgram under Deno puts
   * concurrent sends on the wire in no particular order (a burst leaves
   * last-first), where a real stack keeps the order in which WskSendTo was
   * called. A plain FIFO: no promise chain, and the first send of an idle
   * socket goes to the transport at once.
   */
  #send(send: QueuedSend): void {
    this.#sends.push(send);
    if (this.#sends.length - this.#sendHead === 1) this.#sendNext();
  }

  /** Hands the head send's next datagram to the transport, if a send is waiting. */
  #sendNext(): void {
    const send = this.#sends[this.#sendHead];
    if (send === undefined) return;
    const udp = this.#udp;
    if (udp === null) {
      // Closed: the close cancelled every pending IRP; nothing more goes out.
      this.#sends = [];
      this.#sendHead = 0;
      this.#sentOfHead = 0;
      return;
    }
    let sent: Promise<NTSTATUS>;
    try {
      sent = Promise.resolve(udp.send(send.datagrams[this.#sentOfHead], send.to));
    } catch (error) {
      // A transport that throws breaks its contract; the send fails, the queue goes on.
      sent = Promise.resolve(statusFromError(error));
    }
    sent.then(this.#sentOne, this.#sendRejected);
  }

  /** The transport is done with the head send's current datagram. */
  #sentOne = (status: NTSTATUS): void => {
    const send = this.#sends[this.#sendHead]!;
    if (status === STATUS_SUCCESS && ++this.#sentOfHead < send.datagrams.length) {
      this.#sendNext();
      return;
    }
    // Stops at the first failure, which the IRP completes with (Information 0).
    this.#sentOfHead = 0;
    this.#sends[this.#sendHead++] = undefined;
    if (this.#sendHead === this.#sends.length) {
      this.#sends.length = 0;
      this.#sendHead = 0;
    }
    send.op.complete(status, status === STATUS_SUCCESS ? send.total : 0);
    this.#sendNext();
    // The end of a transport callback: see drainCompletionQueueNow.
    drainCompletionQueueNow();
  };

  #sendRejected = (error: unknown): void => this.#sentOne(statusFromError(error));

  /** Whether the datagram completed a posted WskReceiveFrom. */
  #arrived(datagram: Datagram): boolean {
    if (this.#remote && !sameEndpoint(datagram.from, this.#remote)) {
      this.receiver.stats.filtered++;
      return false;
    }
    return this.receiver.arrived(datagram);
  }

  #cannotSend(Flags: number, ControlInfoLength: number): NTSTATUS | null {
    if (this.state !== "bound" || !this.#udp) return STATUS_INVALID_DEVICE_STATE;
    if (Flags !== 0 || ControlInfoLength !== 0) return STATUS_NOT_SUPPORTED;
    return null;
  }

  /** An explicit RemoteAddress overrides the fixed destination, as documented. */
  #destination(RemoteAddress: SOCKADDR | null): Endpoint | NTSTATUS {
    if (RemoteAddress) {
      const to = this.#destinations.endpointOf(RemoteAddress);
      if (!to || sockaddrFamily(RemoteAddress) !== this.family) return STATUS_INVALID_PARAMETER;
      return to;
    }
    return this.#sendTo ?? this.#remote ?? STATUS_INVALID_PARAMETER;
  }
}

/** `WSK_PROVIDER_DATAGRAM_DISPATCH`: Basic embedded and flattened. */
export const DatagramDispatch: WSK_PROVIDER_DATAGRAM_DISPATCH = guardTable<
  WSK_PROVIDER_DATAGRAM_DISPATCH
>({
  Basic: BasicDispatch,
  ...BasicDispatch,
  WskBind: (Socket, LocalAddress, Flags, Irp) =>
    socketCall(Socket, Irp, DatagramSocket, (s, irp) => s.bind(LocalAddress, Flags, irp)),
  WskSendTo: (Socket, Buffer, Flags, RemoteAddress, ControlInfoLength, _ControlInfo, Irp) =>
    socketCall(
      Socket,
      Irp,
      DatagramSocket,
      (s, irp) => s.sendTo(Buffer, Flags, RemoteAddress, ControlInfoLength, irp),
    ),
  WskReceiveFrom: (
    Socket,
    Buffer,
    Flags,
    RemoteAddress,
    ControlLength,
    _ControlInfo,
    ControlFlags,
    Irp,
  ) =>
    socketCall(
      Socket,
      Irp,
      DatagramSocket,
      (s, irp) => s.receiveFrom(Buffer, Flags, RemoteAddress, ControlLength, ControlFlags, irp),
    ),
  // No IRP and no closed check: a list retained before WskCloseSocket can
  // still be released until the close completes (a cancelled send's completion
  // routine does exactly that).
  WskRelease: (Socket, DatagramIndication) =>
    Socket instanceof DatagramSocket
      ? Socket.receiver.release(DatagramIndication)
      : STATUS_INVALID_PARAMETER,
  WskGetLocalAddress: (Socket, LocalAddress, Irp) =>
    socketCall(Socket, Irp, DatagramSocket, (s, irp) => s.address(LocalAddress, irp)),
  WskSendMessages: (
    Socket,
    BufferList,
    Flags,
    RemoteAddress,
    ControlInfoLength,
    _ControlInfo,
    Irp,
  ) =>
    socketCall(
      Socket,
      Irp,
      DatagramSocket,
      (s, irp) => s.sendMessages(BufferList, Flags, RemoteAddress, ControlInfoLength, irp),
    ),
});
