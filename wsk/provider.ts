// Copyright 2026 the wskemu authors. MIT license.
/**
 * The client-level provider functions: WskSocket, WskSocketConnect and
 * WskControlClient, and the `WSK_PROVIDER_DISPATCH` table that
 * WskCaptureProviderNPI hands out.
 *
 * @module
 */
import {
  type NTSTATUS,
  STATUS_BUFFER_OVERFLOW,
  STATUS_DEVICE_NOT_READY,
  STATUS_INVALID_DEVICE_STATE,
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_PARAMETER,
  STATUS_PENDING,
  STATUS_SUCCESS,
} from "../irp/ntstatus.ts";
import { clientCall, clientOf } from "./_client.ts";
import { ConnectionSocket } from "./_connection.ts";
import { sameGuid } from "./_control.ts";
import { createSocket } from "./_create.ts";
import { checkIrp, failIrp, PendingIrp, succeedIrp } from "./_irp.ts";
import { sockaddrFamily, sockaddrToEndpoint } from "./_address.ts";
import {
  AF_INET,
  AF_INET6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  MAKE_WSK_VERSION,
  SOCK_DGRAM,
  SOCK_STREAM,
  WSK_CACHE_SD,
  WSK_EVENT_ACCEPT,
  WSK_EVENT_DISCONNECT,
  WSK_EVENT_RECEIVE,
  WSK_EVENT_RECEIVE_FROM,
  WSK_EVENT_SEND_BACKLOG,
  WSK_FLAG_CONNECTION_SOCKET,
  WSK_RELEASE_SD,
  WSK_SET_STATIC_EVENT_CALLBACKS,
  WSK_TDI_BEHAVIOR,
  WSK_TDI_DEVICENAME_MAPPING,
  WSK_TRANSPORT_LIST_CHANGE,
  WSK_TRANSPORT_LIST_QUERY,
} from "./constants.ts";
import type {
  Box,
  PFN_WSK_CONTROL_CLIENT,
  PFN_WSK_SOCKET,
  PFN_WSK_SOCKET_CONNECT,
  WSK_PROVIDER_DISPATCH,
} from "./dispatch_types.ts";
import { WskFreeAddressInfo, WskGetAddressInfo, WskGetNameInfo } from "./names.ts";
import {
  type GUID,
  NPI_WSK_INTERFACE_ID,
  type WSK_EVENT_CALLBACK_CONTROL,
  type WSK_TRANSPORT,
} from "./structures.ts";
import { guardTable } from "./_guard.ts";

/** `sizeof(WSK_TRANSPORT)` in C: what WSK_TRANSPORT_LIST_QUERY counts OutputSize in. */
export const sizeofWskTransport = 28;

/** The provider GUID reported for the emulated transports. */
const WSKEMU_PROVIDER_ID: GUID = Object.freeze({
  Data1: 0x77736b65,
  Data2: 0x6d75,
  Data3: 0x0001,
  Data4: Object.freeze([0x77, 0x73, 0x6b, 0x65, 0x6d, 0x75, 0x00, 0x01]),
});

/** The transports wskemu emulates: TCP and UDP over IPv4 and IPv6. */
const TRANSPORTS: readonly WSK_TRANSPORT[] = [
  [SOCK_STREAM, IPPROTO_TCP, AF_INET],
  [SOCK_STREAM, IPPROTO_TCP, AF_INET6],
  [SOCK_DGRAM, IPPROTO_UDP, AF_INET],
  [SOCK_DGRAM, IPPROTO_UDP, AF_INET6],
].map(([SocketType, Protocol, AddressFamily]) => ({
  Version: MAKE_WSK_VERSION(1, 0),
  SocketType: SocketType!,
  Protocol: Protocol!,
  AddressFamily: AddressFamily!,
  ProviderId: WSKEMU_PROVIDER_ID,
}));

const STATIC_EVENT_BITS = WSK_EVENT_ACCEPT | WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT |
  WSK_EVENT_SEND_BACKLOG | WSK_EVENT_RECEIVE_FROM;

/**
 * `WskSocket`: creates a socket of the category in `Flags`. The new
 * `WSK_SOCKET` is in `Irp.IoStatus.Information` when the IRP completes.
 *
 * @example Usage
 * ```ts
 * import {
 *   AF_INET, IoAllocateIrp, IoFreeIrp, IoSetCompletionRoutine, IPPROTO_TCP, KEVENT, KeInitializeEvent,
 *   KeSetEvent, KeWaitForSingleObject, MAKE_WSK_VERSION, NotificationEvent, SOCK_STREAM,
 *   STATUS_MORE_PROCESSING_REQUIRED, STATUS_PENDING, STATUS_SUCCESS, WSK_FLAG_CONNECTION_SOCKET,
 *   WSK_INFINITE_WAIT, WSK_PROVIDER_NPI, WSK_REGISTRATION, WskCaptureProviderNPI, WskDeregister,
 *   WskRegister, WskReleaseProviderNPI, type WSK_PROVIDER_BASIC_DISPATCH, type WSK_SOCKET,
 * } from "@wskemu/wsk";
 * import assert from "node:assert/strict";
 *
 * const reg = new WSK_REGISTRATION();
 * WskRegister({ ClientContext: null, Dispatch: { Version: MAKE_WSK_VERSION(1, 0), Reserved: 0, WskClientEvent: null } }, reg);
 * const npi = new WSK_PROVIDER_NPI();
 * WskCaptureProviderNPI(reg, WSK_INFINITE_WAIT, npi);
 *
 * const done = new KEVENT();
 * KeInitializeEvent(done, NotificationEvent, false);
 * const Irp = IoAllocateIrp(1, false)!;
 * IoSetCompletionRoutine(Irp, () => { KeSetEvent(done, 0, false); return STATUS_MORE_PROCESSING_REQUIRED; }, null, true, true, true);
 * const Status = npi.Dispatch!.WskSocket(npi.Client, AF_INET, SOCK_STREAM, IPPROTO_TCP,
 *   WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, Irp);
 * assert.equal(Status, STATUS_PENDING);
 * await KeWaitForSingleObject(done, 0, 0, false, null);
 * assert.equal(Irp.IoStatus.Status, STATUS_SUCCESS);
 * const Socket = Irp.IoStatus.Information as WSK_SOCKET;
 * IoFreeIrp(Irp);
 *
 * const close = IoAllocateIrp(1, false)!;
 * KeInitializeEvent(done, NotificationEvent, false);
 * IoSetCompletionRoutine(close, () => { KeSetEvent(done, 0, false); return STATUS_MORE_PROCESSING_REQUIRED; }, null, true, true, true);
 * (Socket.Dispatch as WSK_PROVIDER_BASIC_DISPATCH).WskCloseSocket(Socket, close);
 * await KeWaitForSingleObject(done, 0, 0, false, null);
 * IoFreeIrp(close);
 * WskReleaseProviderNPI(reg);
 * await WskDeregister(reg);
 * ```
 */
export const WskSocket: PFN_WSK_SOCKET = (
  Client,
  AddressFamily,
  SocketType,
  Protocol,
  Flags,
  SocketContext,
  Dispatch,
  _OwningProcess,
  _OwningThread,
  _SecurityDescriptor,
  Irp,
): NTSTATUS => {
  return clientCall(Client, Irp, (client, Irp) => {
    client.socketsCreated = true;
    const socket = createSocket(
      client,
      AddressFamily,
      SocketType,
      Protocol,
      Flags,
      SocketContext,
      Dispatch,
    );
    return typeof socket === "number" ? failIrp(Irp, socket) : succeedIrp(Irp, socket);
  });
};

/**
 * `WskSocketConnect`: creates a connection socket, binds it to `LocalAddress`
 * (whose family it takes) and connects it to `RemoteAddress`. On success the
 * connected `WSK_SOCKET` is in `Irp.IoStatus.Information`; on failure no
 * socket is left behind.
 *
 * @example Usage
 * ```ts
 * import { WskSocketConnect } from "@wskemu/wsk";
 * import assert from "node:assert/strict";
 * assert.equal(typeof WskSocketConnect, "function"); // see examples/connect.ts for a full run
 * ```
 */
export const WskSocketConnect: PFN_WSK_SOCKET_CONNECT = (
  Client,
  SocketType,
  Protocol,
  LocalAddress,
  RemoteAddress,
  Flags,
  SocketContext,
  Dispatch,
  _OwningProcess,
  _OwningThread,
  _SecurityDescriptor,
  Irp,
): NTSTATUS => {
  return clientCall(Client, Irp, (client, Irp) => {
    const family = sockaddrFamily(LocalAddress);
    const local = sockaddrToEndpoint(LocalAddress), remote = sockaddrToEndpoint(RemoteAddress);
    if (Flags !== 0 || !local || !remote || sockaddrFamily(RemoteAddress) !== family) {
      return failIrp(Irp, STATUS_INVALID_PARAMETER);
    }
    client.socketsCreated = true;
    const socket = createSocket(
      client,
      family,
      SocketType,
      Protocol,
      WSK_FLAG_CONNECTION_SOCKET,
      SocketContext,
      Dispatch,
    );
    if (!(socket instanceof ConnectionSocket)) {
      return failIrp(Irp, typeof socket === "number" ? socket : STATUS_INVALID_PARAMETER);
    }
    socket.local = local;
    socket.state = "bound";
    const op = new PendingIrp(Irp, null, () => socket.cancelOpen());
    socket.open(remote, [], (status) => {
      if (status === STATUS_SUCCESS && op.complete(STATUS_SUCCESS, socket)) return;
      // Failed or cancelled: the half-made socket disappears with the IRP.
      socket.closed = true;
      socket.stream?.abort();
      client.released(socket);
      op.complete(status);
    });
    return STATUS_PENDING;
  });
};

/**
 * `WskControlClient`: client-level controls — WSK_SET_STATIC_EVENT_CALLBACKS,
 * WSK_TRANSPORT_LIST_QUERY / _CHANGE, WSK_CACHE_SD / WSK_RELEASE_SD and the
 * legacy TDI controls. Codes that take no IRP return their status directly.
 *
 * @example Usage
 * ```ts
 * import {
 *   MAKE_WSK_VERSION, STATUS_BUFFER_OVERFLOW, WSK_NO_WAIT, WSK_PROVIDER_NPI, WSK_REGISTRATION,
 *   WSK_TRANSPORT_LIST_QUERY, WskCaptureProviderNPI, WskDeregister, WskRegister,
 *   WskReleaseProviderNPI, sizeofWskTransport,
 * } from "@wskemu/wsk";
 * import assert from "node:assert/strict";
 *
 * const reg = new WSK_REGISTRATION();
 * WskRegister({ ClientContext: null, Dispatch: { Version: MAKE_WSK_VERSION(1, 0), Reserved: 0, WskClientEvent: null } }, reg);
 * const npi = new WSK_PROVIDER_NPI();
 * WskCaptureProviderNPI(reg, WSK_NO_WAIT, npi);
 * const needed = { value: 0 };
 * assert.equal(npi.Dispatch!.WskControlClient(npi.Client, WSK_TRANSPORT_LIST_QUERY, 0, null, 0, null, needed, null), STATUS_BUFFER_OVERFLOW);
 * assert.equal(needed.value, 4 * sizeofWskTransport);
 * WskReleaseProviderNPI(reg);
 * await WskDeregister(reg);
 * ```
 */
export const WskControlClient: PFN_WSK_CONTROL_CLIENT = (
  Client,
  ControlCode,
  InputSize,
  InputBuffer,
  OutputSize,
  OutputBuffer,
  OutputSizeReturned,
  Irp,
): NTSTATUS => {
  if (Irp) checkIrp(Irp);
  const client = clientOf(Client);
  const refused = !client
    ? STATUS_INVALID_HANDLE
    : client.deregistered
    ? STATUS_DEVICE_NOT_READY
    : 0;
  if (!client || refused) return Irp ? failIrp(Irp, refused) : refused;
  if (ControlCode === WSK_TRANSPORT_LIST_CHANGE) {
    if (!Irp) return STATUS_INVALID_PARAMETER;
    // No transport is ever added or removed: it waits until cancelled or deregistration.
    new PendingIrp(Irp, client.listChanges);
    return STATUS_PENDING;
  }
  // Every other client control is synchronous and takes no IRP.
  if (Irp) return failIrp(Irp, STATUS_INVALID_PARAMETER);
  switch (ControlCode) {
    case WSK_SET_STATIC_EVENT_CALLBACKS: {
      const control = InputBuffer as WSK_EVENT_CALLBACK_CONTROL | null;
      if (!control || !sameGuid(control.NpiId, NPI_WSK_INTERFACE_ID)) {
        return STATUS_INVALID_PARAMETER;
      }
      if ((control.EventMask & ~STATIC_EVENT_BITS) !== 0) return STATUS_INVALID_PARAMETER;
      if (client.socketsCreated) return STATUS_INVALID_DEVICE_STATE;
      client.staticEvents |= control.EventMask;
      return STATUS_SUCCESS;
    }
    case WSK_TRANSPORT_LIST_QUERY:
      return transportList(OutputSize, OutputBuffer, OutputSizeReturned);
    case WSK_CACHE_SD:
      // Descriptors are not interpreted: the cached copy is the descriptor itself.
      if (!OutputBuffer || typeof OutputBuffer !== "object") return STATUS_INVALID_PARAMETER;
      (OutputBuffer as Box<unknown>).value = (InputBuffer as Box<unknown> | null)?.value ??
        InputBuffer;
      return STATUS_SUCCESS;
    case WSK_RELEASE_SD:
    case WSK_TDI_DEVICENAME_MAPPING:
    case WSK_TDI_BEHAVIOR:
      // There are no TDI transports to map or bypass: recorded as done.
      return InputSize > 0 || InputBuffer ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER;
    default:
      return STATUS_INVALID_PARAMETER;
  }
};

function transportList(
  OutputSize: number,
  OutputBuffer: unknown,
  OutputSizeReturned: Box<number> | null,
): NTSTATUS {
  const needed = TRANSPORTS.length * sizeofWskTransport;
  const fits = Math.floor(OutputSize / sizeofWskTransport);
  if (!Array.isArray(OutputBuffer) || fits < TRANSPORTS.length) {
    if (OutputSizeReturned) OutputSizeReturned.value = needed;
    return STATUS_BUFFER_OVERFLOW;
  }
  TRANSPORTS.forEach((t, i) => OutputBuffer[i] = { ...t });
  if (OutputSizeReturned) OutputSizeReturned.value = needed;
  return STATUS_SUCCESS;
}

/**
 * `WSK_PROVIDER_DISPATCH`, version 1.0, as WskCaptureProviderNPI returns it.
 *
 * @example Usage
 * ```ts
 * import { MAKE_WSK_VERSION, WskProviderDispatch } from "@wskemu/wsk";
 * import assert from "node:assert/strict";
 * assert.equal(WskProviderDispatch.Version, MAKE_WSK_VERSION(1, 0));
 * ```
 */
export const WskProviderDispatch: WSK_PROVIDER_DISPATCH = guardTable({
  Version: MAKE_WSK_VERSION(1, 0),
  Reserved: 0,
  WskSocket,
  WskSocketConnect,
  WskControlClient,
  WskGetAddressInfo,
  WskFreeAddressInfo,
  WskGetNameInfo,
});
