// Copyright 2026 the wskemu authors. MIT license.
// Internal: WskControlSocket — socket options, event-callback control and the
// WSK socket I/O controls — for every socket category.
import { queueIrpCompletion } from "../irp/completion.ts";
import type { IRP } from "../irp/irp.ts";
import {
  type NTSTATUS,
  STATUS_BUFFER_TOO_SMALL,
  STATUS_EVENT_PENDING,
  STATUS_FILE_FORCED_CLOSED,
  STATUS_INVALID_DEVICE_REQUEST,
  STATUS_INVALID_DEVICE_STATE,
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_PARAMETER,
  STATUS_NOT_SUPPORTED,
  STATUS_PENDING,
  STATUS_SUCCESS,
} from "../irp/ntstatus.ts";
import { checkIrp, takeIrp } from "./_irp.ts";
import { SocketBase } from "./_socket.ts";
import {
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IPV6_V6ONLY,
  SIO_WSK_QUERY_INSPECT_ID,
  SIO_WSK_REGISTER_EXTENSION,
  SO_BROADCAST,
  SO_CONDITIONAL_ACCEPT,
  SO_EXCLUSIVEADDRUSE,
  SO_KEEPALIVE,
  SO_RCVBUF,
  SO_REUSEADDR,
  SO_SNDBUF,
  SO_WSK_EVENT_CALLBACK,
  SOL_SOCKET,
  TCP_NODELAY,
  WSK_EVENT_DISABLE,
  WskGetOption,
  WskIoctl,
  WskSetOption,
} from "./constants.ts";
import type { Box } from "./dispatch_types.ts";
import type { WSK_EVENT_CALLBACK_CONTROL, WSK_SOCKET } from "./structures.ts";
import { NPI_WSK_INTERFACE_ID } from "./structures.ts";

/** Reads a ULONG from an option input buffer: a Uint8Array (little-endian), a box, or a number. */
function readUlong(input: unknown, size: number): number | null {
  if (typeof input === "number") return input >>> 0;
  if (input instanceof Uint8Array) {
    if (size < 4 || input.length < 4) return null;
    return new DataView(input.buffer, input.byteOffset, 4).getUint32(0, true);
  }
  if (input && typeof input === "object" && "value" in input) return Number(input.value) >>> 0;
  return null;
}

/** Writes a number to an output buffer: a Uint8Array (little-endian ULONG/SIZE_T) or a box. */
function writeNumber(output: unknown, size: number, value: number): number | null {
  if (output instanceof Uint8Array) {
    const width = size >= 8 && output.length >= 8 ? 8 : 4;
    if (size < 4 || output.length < 4) return null;
    const view = new DataView(output.buffer, output.byteOffset, width);
    if (width === 8) view.setBigUint64(0, BigInt(value), true);
    else view.setUint32(0, value >>> 0, true);
    return width;
  }
  if (output && typeof output === "object" && "value" in output) {
    (output as Box<number>).value = value;
    return 4;
  }
  return null;
}

/** WskControlSocket for every socket category. */
export function WskControlSocket(
  Socket: WSK_SOCKET,
  RequestType: number,
  ControlCode: number,
  Level: number,
  InputSize: number,
  InputBuffer: unknown,
  OutputSize: number,
  OutputBuffer: unknown,
  OutputSizeReturned: Box<number> | null,
  Irp: IRP | null,
): NTSTATUS {
  if (Irp) checkIrp(Irp); // before any option changes
  // A committed stream socket is controlled through its inner socket.
  const s = Socket instanceof SocketBase ? Socket.controlTarget() : null;
  const done = (status: NTSTATUS, information = 0): NTSTATUS => {
    if (OutputSizeReturned && status === STATUS_SUCCESS) OutputSizeReturned.value = information;
    if (!Irp) return status;
    takeIrp(Irp);
    queueIrpCompletion(Irp, status, status === STATUS_SUCCESS ? information : 0);
    return STATUS_PENDING;
  };
  if (!s) return done(STATUS_INVALID_HANDLE);
  if (s.closed) return done(STATUS_FILE_FORCED_CLOSED);
  if (
    RequestType === WskSetOption && Level === SOL_SOCKET && ControlCode === SO_WSK_EVENT_CALLBACK
  ) {
    return eventCallbackControl(s, InputBuffer as WSK_EVENT_CALLBACK_CONTROL | null, Irp, done);
  }
  if (RequestType === WskIoctl) {
    if (ControlCode === SIO_WSK_REGISTER_EXTENSION) return done(STATUS_NOT_SUPPORTED);
    const needsIrp = ControlCode !== SIO_WSK_QUERY_INSPECT_ID;
    if (needsIrp && !Irp) return STATUS_INVALID_PARAMETER;
    const result = s.ioctl(ControlCode, InputBuffer, InputSize) ?? null;
    // Unknown codes, and WSK codes that do not apply to this category.
    if (!result) return done(STATUS_INVALID_DEVICE_REQUEST);
    if (result.status !== STATUS_SUCCESS) return done(result.status);
    if (result.outputObject) {
      if (!OutputBuffer || typeof OutputBuffer !== "object") return done(STATUS_INVALID_PARAMETER);
      Object.assign(OutputBuffer, result.outputObject);
      return done(STATUS_SUCCESS, OutputSize);
    }
    if (result.output === undefined) return done(STATUS_SUCCESS);
    const written = writeNumber(OutputBuffer, OutputSize, result.output);
    return done(written === null ? STATUS_BUFFER_TOO_SMALL : STATUS_SUCCESS, written ?? 0);
  }
  if (RequestType !== WskSetOption && RequestType !== WskGetOption) {
    return done(STATUS_INVALID_PARAMETER);
  }
  // Options other than the event callbacks need an IRP, as documented.
  if (!Irp) return STATUS_INVALID_PARAMETER;
  const option = optionSlot(s, Level, ControlCode);
  if (!option) return done(STATUS_INVALID_PARAMETER);
  if (RequestType === WskGetOption) {
    const written = writeNumber(OutputBuffer, OutputSize, option.get());
    return done(written === null ? STATUS_BUFFER_TOO_SMALL : STATUS_SUCCESS, written ?? 0);
  }
  const value = readUlong(InputBuffer, InputSize);
  if (value === null) return done(STATUS_INVALID_PARAMETER);
  if (option.beforeBind && !s.beforeBind()) return done(STATUS_INVALID_DEVICE_STATE);
  option.set(value);
  s.applyOptions();
  return done(STATUS_SUCCESS);
}

interface OptionSlot {
  get(): number;
  set(value: number): void;
  beforeBind?: boolean;
}

/** The option a (Level, ControlCode) names on this socket, or null if it has none. */
function optionSlot(s: SocketBase, Level: number, ControlCode: number): OptionSlot | null {
  const o = s.options;
  const flag = (get: () => boolean, set: (on: boolean) => void, beforeBind = false) => ({
    get: () => (get() ? 1 : 0),
    set: (v: number) => set(v !== 0),
    beforeBind,
  });
  if (Level === SOL_SOCKET) {
    switch (ControlCode) {
      case SO_KEEPALIVE:
        return flag(() => o.keepAlive, (v) => o.keepAlive = v);
      case SO_REUSEADDR:
        return flag(() => o.reuseAddress, (v) => o.reuseAddress = v, true);
      case SO_EXCLUSIVEADDRUSE:
        return flag(() => o.exclusive, (v) => o.exclusive = v, true);
      case SO_BROADCAST:
        return flag(() => o.broadcast, (v) => o.broadcast = v);
      case SO_CONDITIONAL_ACCEPT:
        return flag(() => o.conditionalAccept, (v) => o.conditionalAccept = v, true);
      case SO_RCVBUF:
        return { get: () => o.receiveBuffer, set: (v) => o.receiveBuffer = v };
      case SO_SNDBUF:
        return { get: () => o.sendBuffer, set: (v) => o.sendBuffer = v };
    }
  }
  if (Level === IPPROTO_TCP && ControlCode === TCP_NODELAY) {
    return flag(() => o.noDelay, (v) => o.noDelay = v);
  }
  if (Level === IPPROTO_IPV6 && ControlCode === IPV6_V6ONLY && s.family === 23) {
    return flag(() => o.v6Only, (v) => o.v6Only = v, true);
  }
  return null;
}

/** SO_WSK_EVENT_CALLBACK: enabling needs no IRP; disabling names exactly one event. */
function eventCallbackControl(
  s: SocketBase,
  control: WSK_EVENT_CALLBACK_CONTROL | null,
  Irp: IRP | null,
  done: (status: NTSTATUS) => NTSTATUS,
): NTSTATUS {
  if (!control || !sameGuid(control.NpiId, NPI_WSK_INTERFACE_ID)) {
    return done(STATUS_INVALID_PARAMETER);
  }
  const mask = control.EventMask >>> 0;
  const bits = mask & ~WSK_EVENT_DISABLE;
  if (bits === 0 || (bits & ~s.eventBits) !== 0) return done(STATUS_INVALID_PARAMETER);
  if (mask & WSK_EVENT_DISABLE) {
    if ((bits & (bits - 1)) !== 0) return done(STATUS_INVALID_PARAMETER);
    if (s.client.staticEvents & bits) return done(STATUS_INVALID_DEVICE_REQUEST);
    // No call of the callback starts from now on; one that is running (the
    // caller is inside it) is waited for, as documented.
    s.eventMask &= ~bits;
    if (!(s.runningEvent & bits)) return done(STATUS_SUCCESS);
    if (!Irp) return STATUS_EVENT_PENDING;
    return s.disableWhenReturned(bits, Irp);
  }
  if (!s.eventsAllowed()) return done(STATUS_INVALID_DEVICE_STATE);
  s.eventMask |= bits;
  s.eventsEnabled(bits);
  return done(STATUS_SUCCESS);
}

/** GUIDs compare by contents, as C's IsEqualGUID does. */
export function sameGuid(a: unknown, b: typeof NPI_WSK_INTERFACE_ID): boolean {
  if (a === b) return true;
  const g = a as typeof NPI_WSK_INTERFACE_ID | null;
  return !!g && g.Data1 === b.Data1 && g.Data2 === b.Data2 && g.Data3 === b.Data3 &&
    Array.from(g.Data4 ?? []).every((x, i) => x === b.Data4[i]);
}
