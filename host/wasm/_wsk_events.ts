// Copyright 2026 the wskemu authors. MIT license.
// Internal: WSK objects seen from C — sockets (a WSK_SOCKET shell in C memory
// whose Dispatch is the runtime's table for its category), client handles,
// and the client dispatch tables C gives wskemu, whose event callbacks run in
// C at DISPATCH_LEVEL on the DPC stack with their arguments built in C memory
// (data indications are copied into pool and live until WskRelease).
import type { CMemory } from "./_memory.ts";
import { poolTag } from "../../irp/pool.ts";
import { PAGE_FAULT_IN_NONPAGED_AREA } from "../../irp/bugcheck.ts";
import { BugCheckError } from "../../irp/bugcheck.ts";
import { MDL, MDL_SOURCE_IS_NONPAGED_POOL, wskBufSegments } from "../../irp/mdl.ts";
import { STATUS_PENDING, STATUS_SUCCESS } from "../../irp/ntstatus.ts";
import type {
  PFN_WSK_ABORT_EVENT,
  PFN_WSK_ACCEPT_EVENT,
  PFN_WSK_DISCONNECT_EVENT,
  PFN_WSK_INSPECT_EVENT,
  PFN_WSK_RECEIVE_EVENT,
  PFN_WSK_RECEIVE_FROM_EVENT,
  PFN_WSK_SEND_BACKLOG_EVENT,
  WSK_CLIENT_CONNECTION_DISPATCH,
  WSK_CLIENT_DATAGRAM_DISPATCH,
  WSK_CLIENT_LISTEN_DISPATCH,
  WSK_CLIENT_STREAM_DISPATCH,
} from "../../wsk/dispatch_types.ts";
import type {
  WSK_DATA_INDICATION,
  WSK_DATAGRAM_INDICATION,
  WSK_INSPECT_ID,
  WSK_SOCKET,
} from "../../wsk/structures.ts";
import {
  WSK_FLAG_CONNECTION_SOCKET,
  WSK_FLAG_DATAGRAM_SOCKET,
  WSK_FLAG_LISTEN_SOCKET,
  WSK_FLAG_STREAM_SOCKET,
} from "../../wsk/constants.ts";
import { writeSockaddr } from "./_sockaddr.ts";
import type { HostParts } from "./_parts.ts";

const SOCKET_TAG = poolTag("SksW"); // 'WskS' in memory
const INDICATION_TAG = poolTag("IksW"); // 'WskI' in memory
const PAGE = 0x1000;

/** Fake, never-dereferenced addresses for objects C holds only as opaque pointers. */
export class OpaqueHandles<T extends object> {
  private readonly objects = new Map<number, T>();
  private readonly addresses = new WeakMap<T, number>();
  private next: number;
  constructor(base: number) {
    this.next = base;
  }
  address(object: T): number {
    let address = this.addresses.get(object);
    if (address === undefined) {
      address = this.next += 16;
      this.addresses.set(object, address);
      this.objects.set(address, object);
    }
    return address;
  }
  get(address: number): T | undefined {
    return this.objects.get(address);
  }
}

/** A retained data indication: the C copies and the wskemu chain to release. */
interface Retained {
  indication: WSK_DATA_INDICATION | WSK_DATAGRAM_INDICATION;
  blocks: number[];
}

/** What the event side needs from the host. */
export type EventDeps = Omit<HostParts, "irps">;

/** Sockets, client dispatch tables and event callbacks. */
export class WskObjects {
  readonly sockets = new Map<number, WSK_SOCKET>();
  private readonly shells = new WeakMap<WSK_SOCKET, number>();
  readonly retained = new Map<number, Retained>();
  private readonly inspectIds = new Map<string, WSK_INSPECT_ID>();
  private readonly dispatchCache = new Map<string, unknown>();
  private scratch = 0;

  constructor(private readonly d: EventDeps) {}

  /** A small area for callback arguments (callbacks never nest: nothing runs them inline). */
  private args(): number {
    if (this.scratch === 0) this.scratch = this.d.allocate(512, SOCKET_TAG);
    return this.scratch;
  }

  /** The C WSK_SOCKET for a wskemu socket, made on first sight with its category's table. */
  shell(socket: WSK_SOCKET): number {
    let address = this.shells.get(socket);
    if (address === undefined) {
      const { mem } = this.d;
      address = this.d.allocate(mem.off("WSK_SOCKET"), SOCKET_TAG);
      mem.setU32(
        address + mem.off("WSK_SOCKET.Dispatch"),
        mem.off(`table.${categoryTable(socket)}`),
      );
      this.shells.set(socket, address);
      this.sockets.set(address, socket);
    }
    return address;
  }

  /** The wskemu socket behind a C WSK_SOCKET pointer; anything else is the page fault Windows takes. */
  socket(address: number, what: string): WSK_SOCKET {
    const socket = this.sockets.get(address);
    if (socket) return socket;
    throw new BugCheckError(
      PAGE_FAULT_IN_NONPAGED_AREA,
      [address, 0, 0, 0],
      `${what} on 0x${address.toString(16)}, which is not an open WSK socket (closed already?)`,
    );
  }

  /** After WskCloseSocket completed: the shell goes (its memory is poisoned like any pool). */
  release(socket: WSK_SOCKET): void {
    const address = this.shells.get(socket);
    if (address === undefined) return;
    this.shells.delete(socket);
    this.sockets.delete(address);
    this.d.free(address);
  }

  /** WskRelease from C: the retained chain goes back to wskemu. */
  takeRetained(head: number): Retained | undefined {
    const entry = this.retained.get(head);
    if (entry) {
      this.retained.delete(head);
      entry.blocks.forEach((b) => this.d.free(b));
    }
    return entry;
  }

  private runCallback(routine: number, name: string, args: () => number[]): number {
    const { machine, table } = this.d;
    if (machine.halted) return STATUS_SUCCESS;
    return machine.inDpc(() => table.call(routine, ...args()) >>> 0, name);
  }

  private cached<T>(key: string, make: () => T): T {
    let value = this.dispatchCache.get(key) as T | undefined;
    if (value === undefined) {
      value = make();
      this.dispatchCache.set(key, value);
    }
    return value;
  }

  /** A C WSK_CLIENT_*_DISPATCH for a socket of `Flags`' category, as wskemu's object (null for NULL). */
  clientDispatch(address: number, Flags: number): unknown {
    if (address === 0) return null;
    if (Flags & WSK_FLAG_LISTEN_SOCKET) return this.listenDispatch(address);
    if (Flags & WSK_FLAG_CONNECTION_SOCKET) return this.connectionDispatch(address);
    if (Flags & WSK_FLAG_DATAGRAM_SOCKET) return this.datagramDispatch(address);
    if (Flags & WSK_FLAG_STREAM_SOCKET) return this.streamDispatch(address);
    return null;
  }

  private fn(address: number, field: string): number {
    return this.d.mem.u32(address + this.d.mem.off(field));
  }

  streamDispatch(address: number): WSK_CLIENT_STREAM_DISPATCH {
    return this.cached(`stream:${address}`, () => {
      const listen = this.fn(address, "WSK_CLIENT_STREAM_DISPATCH.Listen");
      const connect = this.fn(address, "WSK_CLIENT_STREAM_DISPATCH.Connect");
      return {
        Listen: listen ? this.listenDispatch(listen) : null,
        Connect: connect ? this.connectionDispatch(connect) : null,
      };
    });
  }

  listenDispatch(address: number): WSK_CLIENT_LISTEN_DISPATCH {
    return this.cached(`listen:${address}`, () => {
      const accept = this.fn(address, "WSK_CLIENT_LISTEN_DISPATCH.WskAcceptEvent");
      const inspect = this.fn(address, "WSK_CLIENT_LISTEN_DISPATCH.WskInspectEvent");
      const abort = this.fn(address, "WSK_CLIENT_LISTEN_DISPATCH.WskAbortEvent");
      return {
        WskAcceptEvent: accept ? this.acceptEvent(accept) : null,
        WskInspectEvent: inspect ? this.inspectEvent(inspect) : null,
        WskAbortEvent: abort ? this.abortEvent(abort) : null,
      };
    });
  }

  connectionDispatch(address: number): WSK_CLIENT_CONNECTION_DISPATCH | null {
    if (address === 0) return null;
    return this.cached(`connection:${address}`, () => {
      const receive = this.fn(address, "WSK_CLIENT_CONNECTION_DISPATCH.WskReceiveEvent");
      const disconnect = this.fn(address, "WSK_CLIENT_CONNECTION_DISPATCH.WskDisconnectEvent");
      const backlog = this.fn(address, "WSK_CLIENT_CONNECTION_DISPATCH.WskSendBacklogEvent");
      return {
        WskReceiveEvent: receive ? this.receiveEvent(receive) : null,
        WskDisconnectEvent: disconnect ? this.contextAndNumberEvent(disconnect) : null,
        WskSendBacklogEvent: backlog ? this.contextAndNumberEvent(backlog) : null,
      };
    });
  }

  datagramDispatch(address: number): WSK_CLIENT_DATAGRAM_DISPATCH {
    return this.cached(`datagram:${address}`, () => {
      const receiveFrom = this.fn(address, "WSK_CLIENT_DATAGRAM_DISPATCH.WskReceiveFromEvent");
      return { WskReceiveFromEvent: receiveFrom ? this.receiveFromEvent(receiveFrom) : null };
    });
  }

  private acceptEvent(routine: number) {
    const name = this.d.table.name(routine);
    const { mem } = this.d;
    return named<PFN_WSK_ACCEPT_EVENT>(name, (
      SocketContext,
      Flags,
      LocalAddress,
      RemoteAddress,
      AcceptSocket,
      AcceptSocketContext,
      AcceptSocketDispatch,
    ) => {
      const at = this.args();
      let cSocket = 0;
      const status = this.runCallback(routine, name, () => {
        writeSockaddr(mem, at, LocalAddress);
        writeSockaddr(mem, at + 128, RemoteAddress);
        mem.setU32(at + 256, 0);
        mem.setU32(at + 260, 0);
        cSocket = AcceptSocket ? this.shell(AcceptSocket) : 0;
        return [
          SocketContext as number,
          Flags,
          LocalAddress ? at : 0,
          RemoteAddress ? at + 128 : 0,
          cSocket,
          at + 256,
          at + 260,
        ];
      });
      if (AcceptSocket) {
        if (status === STATUS_SUCCESS) {
          AcceptSocketContext.value = mem.u32(at + 256);
          AcceptSocketDispatch.value = this.connectionDispatch(mem.u32(at + 260));
        } else {
          this.release(AcceptSocket);
        }
      }
      return status;
    });
  }

  private writeInspectId(at: number, InspectID: WSK_INSPECT_ID): void {
    const { mem } = this.d;
    mem.setU32(at + mem.off("WSK_INSPECT_ID.Key"), InspectID.Key);
    mem.setU32(at + mem.off("WSK_INSPECT_ID.SerialNumber"), InspectID.SerialNumber);
    this.inspectIds.set(`${InspectID.Key >>> 0}:${InspectID.SerialNumber >>> 0}`, InspectID);
  }

  /** The wskemu WSK_INSPECT_ID a C one stands for. */
  inspectId(address: number): WSK_INSPECT_ID | null {
    if (address === 0) return null;
    const { mem } = this.d;
    const key = `${mem.u32(address + mem.off("WSK_INSPECT_ID.Key"))}:${
      mem.u32(address + mem.off("WSK_INSPECT_ID.SerialNumber"))
    }`;
    return this.inspectIds.get(key) ?? null;
  }

  private inspectEvent(routine: number) {
    const name = this.d.table.name(routine);
    const { mem } = this.d;
    return named<PFN_WSK_INSPECT_EVENT>(name, (
      SocketContext,
      LocalAddress,
      RemoteAddress,
      InspectID,
    ) => {
      const at = this.args();
      return this.runCallback(routine, name, () => {
        writeSockaddr(mem, at, LocalAddress);
        writeSockaddr(mem, at + 128, RemoteAddress);
        if (InspectID) this.writeInspectId(at + 256, InspectID);
        return [
          SocketContext as number,
          LocalAddress ? at : 0,
          RemoteAddress ? at + 128 : 0,
          InspectID ? at + 256 : 0,
        ];
      });
    });
  }

  /** An event whose arguments are the socket context and one number (Flags, IdealBacklogSize). */
  private contextAndNumberEvent(routine: number) {
    const name = this.d.table.name(routine);
    return named<PFN_WSK_DISCONNECT_EVENT & PFN_WSK_SEND_BACKLOG_EVENT>(
      name,
      (SocketContext, value) =>
        this.runCallback(routine, name, () => [SocketContext as number, value]),
    );
  }

  private abortEvent(routine: number) {
    const name = this.d.table.name(routine);
    return named<PFN_WSK_ABORT_EVENT>(name, (SocketContext, InspectID) => {
      const at = this.args();
      return this.runCallback(routine, name, () => {
        this.writeInspectId(at, InspectID);
        return [SocketContext as number, at];
      });
    });
  }

  /** One block per indication: the indication, its MDL, then the data (and the address for datagrams). */
  private buildChain(
    first: WSK_DATA_INDICATION | WSK_DATAGRAM_INDICATION | null,
    datagram: boolean,
  ): { head: number; blocks: number[] } {
    const { mem } = this.d;
    const blocks: number[] = [];
    let head = 0, previous = 0;
    const nodeSize = mem.off(datagram ? "WSK_DATAGRAM_INDICATION" : "WSK_DATA_INDICATION");
    const mdlSize = mem.off("MDL") + 8;
    for (let node = first; node !== null; node = node.Next) {
      const segments = wskBufSegments(node.Buffer);
      const length = segments.reduce((n, s) => n + s.length, 0);
      const dg = datagram ? node as WSK_DATAGRAM_INDICATION : null;
      const control = dg?.ControlInfo ? dg.ControlInfoLength : 0;
      const extra = datagram ? 128 + ((control + 7) & ~7) : 0;
      const block = this.d.allocate(nodeSize + mdlSize + extra + length, INDICATION_TAG);
      blocks.push(block);
      const mdl = block + nodeSize;
      const data = mdl + mdlSize + extra;
      let at = data;
      for (const s of segments) {
        mem.u8.set(s, at);
        at += s.length;
      }
      writeMdl(mem, mdl, data, length);
      const prefix = datagram ? "WSK_DATAGRAM_INDICATION" : "WSK_DATA_INDICATION";
      mem.setU32(block + mem.off(`${prefix}.Next`), 0);
      const buf = block + mem.off(`${prefix}.Buffer`);
      mem.setU32(buf + mem.off("WSK_BUF.Mdl"), mdl);
      mem.setU32(buf + mem.off("WSK_BUF.Offset"), 0);
      mem.setU32(buf + mem.off("WSK_BUF.Length"), length);
      if (dg) {
        const address = mdl + mdlSize;
        writeSockaddr(mem, address, dg.RemoteAddress);
        mem.setU32(block + mem.off("WSK_DATAGRAM_INDICATION.RemoteAddress"), address);
        const controlAt = address + 128;
        if (control > 0) mem.u8.set(dg.ControlInfo!.subarray(0, control), controlAt);
        mem.setU32(block + mem.off("WSK_DATAGRAM_INDICATION.ControlInfo"), control ? controlAt : 0);
        mem.setU32(block + mem.off("WSK_DATAGRAM_INDICATION.ControlInfoLength"), control);
      }
      if (previous) mem.setU32(previous + mem.off(`${prefix}.Next`), block);
      else head = block;
      previous = block;
    }
    return { head, blocks };
  }

  private receiveEvent(routine: number) {
    const name = this.d.table.name(routine);
    const { mem } = this.d;
    return named<PFN_WSK_RECEIVE_EVENT>(name, (
      SocketContext,
      Flags,
      DataIndication,
      BytesIndicated,
      BytesAccepted,
    ) => {
      const at = this.args();
      let chain = { head: 0, blocks: [] as number[] };
      const status = this.runCallback(routine, name, () => {
        chain = this.buildChain(DataIndication, false);
        mem.setU32(at, 0);
        return [SocketContext as number, Flags, chain.head, BytesIndicated, at];
      });
      BytesAccepted.value = mem.u32(at);
      if (status === STATUS_PENDING && chain.head && DataIndication) {
        this.retained.set(chain.head, { indication: DataIndication, blocks: chain.blocks });
      } else {
        chain.blocks.forEach((b) => this.d.free(b));
      }
      return status;
    });
  }

  private receiveFromEvent(routine: number) {
    const name = this.d.table.name(routine);
    return named<PFN_WSK_RECEIVE_FROM_EVENT>(
      name,
      (SocketContext, Flags, DataIndication) => {
        let chain = { head: 0, blocks: [] as number[] };
        const status = this.runCallback(routine, name, () => {
          chain = this.buildChain(DataIndication, true);
          return [SocketContext as number, Flags, chain.head];
        });
        if (status === STATUS_PENDING && chain.head && DataIndication) {
          this.retained.set(chain.head, { indication: DataIndication, blocks: chain.blocks });
        } else {
          chain.blocks.forEach((b) => this.d.free(b));
        }
        return status;
      },
    );
  }
}

function named<T extends CallableFunction>(name: string, fn: T): T {
  Object.defineProperty(fn, "name", { value: name });
  return fn;
}

/** Writes an MDL describing [data, data + length) (nonpaged, mapped). */
export function writeMdl(mem: CMemory, mdl: number, data: number, length: number): void {
  mem.setU32(mdl + mem.off("MDL.Next"), 0);
  mem.setU16(mdl + mem.off("MDL.Size"), mem.off("MDL") + 8);
  mem.setU16(mdl + mem.off("MDL.MdlFlags"), MDL_SOURCE_IS_NONPAGED_POOL);
  mem.setU32(mdl + mem.off("MDL.MappedSystemVa"), data);
  mem.setU32(mdl + mem.off("MDL.StartVa"), data & ~(PAGE - 1));
  mem.setU32(mdl + mem.off("MDL.ByteOffset"), data & (PAGE - 1));
  mem.setU32(mdl + mem.off("MDL.ByteCount"), length);
}

/** wskemu MDLs over zero-copy views of the C MDL chain starting at `first` (0: null). */
export function readMdlChain(mem: CMemory, first: number): MDL | null {
  let head: MDL | null = null, last: MDL | null = null;
  for (let m = first; m !== 0; m = mem.u32(m + mem.off("MDL.Next"))) {
    const va = mem.u32(m + mem.off("MDL.StartVa")) + mem.u32(m + mem.off("MDL.ByteOffset"));
    const count = mem.u32(m + mem.off("MDL.ByteCount"));
    const mdl = new MDL(mem.inside(va, count) ? mem.view(va, count) : new Uint8Array(0), count);
    if (last) last.Next = mdl;
    else head = mdl;
    last = mdl;
  }
  return head;
}

/** Which runtime table serves a wskemu socket, from the functions its dispatch table has. */
function categoryTable(socket: WSK_SOCKET): string {
  const d = socket.Dispatch as Record<string, unknown>;
  if ("WskListen" in d) return "WSK_PROVIDER_STREAM_DISPATCH";
  if ("WskSendTo" in d) return "WSK_PROVIDER_DATAGRAM_DISPATCH";
  if ("WskConnect" in d) return "WSK_PROVIDER_CONNECTION_DISPATCH";
  if ("WskAccept" in d) return "WSK_PROVIDER_LISTEN_DISPATCH";
  return "WSK_PROVIDER_BASIC_DISPATCH";
}
