// Copyright 2026 the wskemu authors. MIT license.
// Internal: the WSK functions C drivers reach — registration (env imports)
// and every provider dispatch function (the runtime's tables point at these
// "wskemu" imports). Each converts C arguments to wskemu's objects, takes the
// IRP (sync point 1) and registers what must be written back into C memory
// when the IRP completes (sync point 2).
import { poolTag } from "../../irp/pool.ts";
import {
  SO_WSK_EVENT_CALLBACK,
  SOL_SOCKET,
  WSK_SET_STATIC_EVENT_CALLBACKS,
  WSK_TRANSPORT_LIST_QUERY,
} from "../../wsk/constants.ts";
import type { WSK_BUF } from "../../irp/mdl.ts";
import { KeGetCurrentIrql, PASSIVE_LEVEL } from "../../irp/irql.ts";
import { IRQL_NOT_LESS_OR_EQUAL, KeBugCheckEx } from "../../irp/bugcheck.ts";
import {
  STATUS_DEVICE_NOT_READY,
  STATUS_INVALID_PARAMETER,
  STATUS_NOT_SUPPORTED,
  STATUS_SUCCESS,
} from "../../irp/ntstatus.ts";
import type { IRP } from "../../irp/irp.ts";
import type { SOCKADDR } from "../../wsk/address.ts";
import type { Box } from "../../wsk/dispatch_types.ts";
import {
  WskCaptureProviderNPI,
  WskDeregister,
  WskQueryProviderCharacteristics,
  WskRegister,
  WskReleaseProviderNPI,
} from "../../wsk/registration.ts";
import {
  type ADDRINFOEXW,
  type WSK_BUF_LIST,
  type WSK_CLIENT,
  WSK_PROVIDER_NPI,
  WSK_REGISTRATION,
  type WSK_SOCKET,
  type WSK_TRANSPORT,
} from "../../wsk/structures.ts";
import { WskProviderDispatch } from "../../wsk/provider.ts";
import { readSockaddr, writeSockaddr } from "./_sockaddr.ts";
import { OpaqueHandles, readMdlChain, type WskObjects } from "./_wsk_events.ts";
import type { HostParts } from "./_parts.ts";

const ADDRINFO_TAG = poolTag("AksW"); // 'WskA' in memory

type Fn = (...args: never[]) => unknown;

/** What the WSK imports need from the host. */
export interface WskDeps extends HostParts {
  objects: WskObjects;
}

/** The WSK side of a driver: registrations, clients and address-info lists. */
export class WskBridge {
  readonly registrations = new Map<number, WSK_REGISTRATION>();
  readonly captures = new Map<number, number>();
  private readonly clients = new OpaqueHandles<WSK_CLIENT>(0xC0000000);
  /** C ADDRINFOEXW lists still held: head → wskemu's list, its blocks and its client. */
  readonly addressInfo = new Map<
    number,
    { list: ADDRINFOEXW; blocks: number[]; client: WSK_CLIENT | null }
  >();

  constructor(private readonly d: WskDeps) {}

  private client(address: number): WSK_CLIENT | null {
    return this.clients.get(address) ?? null;
  }

  private guid(
    address: number,
  ): { Data1: number; Data2: number; Data3: number; Data4: number[] } | null {
    const { mem } = this.d;
    if (address === 0) return null;
    return {
      Data1: mem.u32(address),
      Data2: mem.u16(address + 4),
      Data3: mem.u16(address + 6),
      Data4: [...mem.u8.subarray(address + 8, address + 16)],
    };
  }

  private eventControl(address: number): unknown {
    const { mem } = this.d;
    if (address === 0) return null;
    return {
      NpiId: this.guid(mem.u32(address + mem.off("WSK_EVENT_CALLBACK_CONTROL.NpiId"))),
      EventMask: mem.u32(address + mem.off("WSK_EVENT_CALLBACK_CONTROL.EventMask")),
    };
  }

  /** A C WSK_BUF as wskemu's, over zero-copy views of the C MDL chain. */
  private buf(address: number): WSK_BUF | null {
    const { mem } = this.d;
    if (address === 0) return null;
    return {
      Mdl: readMdlChain(mem, mem.u32(address + mem.off("WSK_BUF.Mdl"))),
      Offset: mem.u32(address + mem.off("WSK_BUF.Offset")),
      Length: mem.u32(address + mem.off("WSK_BUF.Length")),
    };
  }

  /** An out-parameter SOCKADDR: an object wskemu fills, copied to C when the IRP completes. */
  private outAddress(address: number, Irp: IRP | null): SOCKADDR | null {
    if (address === 0) return null;
    const out: SOCKADDR = readSockaddr(this.d.mem, address) ?? {};
    this.d.irps.onComplete(Irp, () => writeSockaddr(this.d.mem, address, out));
    return out;
  }

  private dispatchOf(socket: WSK_SOCKET): Record<string, Fn> {
    return socket.Dispatch as Record<string, Fn>;
  }

  /** Calls the wskemu function `name` of the socket at `address` (a call for its category). */
  private socketCall(name: string, address: number, ...args: unknown[]): number {
    const socket = this.d.objects.socket(address, name);
    const fn = this.dispatchOf(socket)[name] as unknown as (...a: unknown[]) => number;
    if (typeof fn !== "function") return STATUS_NOT_SUPPORTED;
    return fn(socket, ...args);
  }

  /** Builds a C ADDRINFOEXW list (one pool block per entry) for wskemu's list. */
  private addressList(list: ADDRINFOEXW, client: WSK_CLIENT | null): number {
    const { mem } = this.d;
    const blocks: number[] = [];
    let head = 0, previous = 0;
    const size = mem.off("ADDRINFOEXW");
    const f = (name: string) => mem.off(`ADDRINFOEXW.${name}`);
    for (let ai: ADDRINFOEXW | null = list; ai !== null; ai = ai.ai_next) {
      const canon = ai.ai_canonname ?? null;
      const block = this.d.allocate(size + 128 + (canon ? canon.length * 2 + 2 : 0), ADDRINFO_TAG);
      blocks.push(block);
      mem.setU32(block + f("ai_flags"), ai.ai_flags);
      mem.setU32(block + f("ai_family"), ai.ai_family);
      mem.setU32(block + f("ai_socktype"), ai.ai_socktype);
      mem.setU32(block + f("ai_protocol"), ai.ai_protocol);
      const written = writeSockaddr(mem, block + size, ai.ai_addr);
      mem.setU32(block + f("ai_addrlen"), written);
      mem.setU32(block + f("ai_addr"), written ? block + size : 0);
      if (canon) mem.writeWide(block + size + 128, canon, canon.length + 1);
      mem.setU32(block + f("ai_canonname"), canon ? block + size + 128 : 0);
      mem.setU32(block + f("ai_blob"), 0);
      mem.setU32(block + f("ai_bloblen"), 0);
      mem.setU32(block + f("ai_provider"), 0);
      mem.setU32(block + f("ai_next"), 0);
      if (previous) mem.setU32(previous + f("ai_next"), block);
      else head = block;
      previous = block;
    }
    if (head) this.addressInfo.set(head, { list, blocks, client });
    return head;
  }

  private hints(address: number): Partial<ADDRINFOEXW> | null {
    const { mem } = this.d;
    if (address === 0) return null;
    const f = (name: string) => mem.i32(address + mem.off(`ADDRINFOEXW.${name}`));
    return {
      ai_flags: f("ai_flags"),
      ai_family: f("ai_family"),
      ai_socktype: f("ai_socktype"),
      ai_protocol: f("ai_protocol"),
    };
  }

  /**
   * The buffers of WskControlClient / WskControlSocket: the input (an event-callback control, or a
   * view of the bytes), the output view, and OutputSizeReturned, written back when the call returns.
   */
  private controlBuffers(
    eventControl: boolean,
    InputSize: number,
    InputBuffer: number,
    OutputSize: number,
    OutputBuffer: number,
    OutputSizeReturned: number,
  ) {
    const { mem } = this.d;
    const returned: Box<number> | null = OutputSizeReturned ? { value: 0 } : null;
    return {
      input: eventControl
        ? this.eventControl(InputBuffer)
        : InputBuffer
        ? mem.view(InputBuffer, InputSize)
        : null,
      output: OutputBuffer ? mem.view(OutputBuffer, OutputSize) : null,
      returned,
      done(status: number): number {
        if (returned) mem.setU32(OutputSizeReturned, returned.value);
        return status;
      },
    };
  }

  /** WSK_TRANSPORT_LIST_QUERY: wskemu's list, written to C as an array of WSK_TRANSPORT. */
  private transportList(
    Client: number,
    OutputSize: number,
    OutputBuffer: number,
    OutputSizeReturned: number,
    Irp: number,
  ): number {
    const { mem } = this.d;
    const c = this.controlBuffers(false, 0, 0, OutputSize, OutputBuffer, OutputSizeReturned);
    const list: WSK_TRANSPORT[] = [];
    const status = WskProviderDispatch.WskControlClient(
      this.client(Client),
      WSK_TRANSPORT_LIST_QUERY,
      0,
      null,
      OutputSize,
      list,
      c.returned,
      this.d.irps.take(Irp),
    );
    const size = mem.off("WSK_TRANSPORT");
    list.forEach((t, i) => {
      const at = OutputBuffer + i * size;
      const f = (field: string) => at + mem.off(`WSK_TRANSPORT.${field}`);
      mem.setU16(f("Version"), t.Version);
      mem.setU16(f("SocketType"), t.SocketType);
      mem.setU32(f("Protocol"), t.Protocol);
      mem.setU16(f("AddressFamily"), t.AddressFamily);
      const id = f("ProviderId");
      mem.setU32(id, t.ProviderId.Data1);
      mem.setU16(id + 4, t.ProviderId.Data2);
      mem.setU16(id + 6, t.ProviderId.Data3);
      mem.u8.set(t.ProviderId.Data4, id + 8);
    });
    return c.done(status);
  }

  private noWaitAtDispatch(what: string): void {
    const irql = KeGetCurrentIrql();
    if (irql !== PASSIVE_LEVEL) {
      KeBugCheckEx(
        IRQL_NOT_LESS_OR_EQUAL,
        0,
        irql,
        0,
        0,
        `${what} at IRQL ${irql}: it waits, so it needs PASSIVE_LEVEL`,
      );
    }
  }

  /** The "env" registration functions and the "wskemu" runtime imports. */
  imports(): Record<string, CallableFunction> {
    const { mem, irps, objects } = this.d;
    const P = WskProviderDispatch;
    const take = (Irp: number) => irps.take(Irp);
    const release = (Socket: number, DataIndication: number) =>
      this.socketCall(
        "WskRelease",
        Socket,
        objects.takeRetained(DataIndication)?.indication ?? null,
      );
    const getAddress = (name: string) => (Socket: number, Address: number, Irp: number) => {
      const tsIrp = take(Irp);
      return this.socketCall(name, Socket, this.outAddress(Address, tsIrp), tsIrp);
    };
    return {
      WskRegister: (ClientNpi: number, Registration: number) => {
        if (ClientNpi === 0 || Registration === 0) return STATUS_INVALID_PARAMETER;
        const dispatch = mem.u32(ClientNpi + mem.off("WSK_CLIENT_NPI.Dispatch"));
        if (dispatch === 0) return STATUS_INVALID_PARAMETER;
        const registration = new WSK_REGISTRATION();
        const status = WskRegister(
          {
            ClientContext: mem.u32(ClientNpi + mem.off("WSK_CLIENT_NPI.ClientContext")),
            Dispatch: {
              Version: mem.u16(dispatch + mem.off("WSK_CLIENT_DISPATCH.Version")),
              Reserved: 0,
              WskClientEvent: null,
            },
          },
          this.registrations.get(Registration) ?? registration,
        );
        if (status === STATUS_SUCCESS) this.registrations.set(Registration, registration);
        return status;
      },
      capturePrepare: (Registration: number, WaitTimeout: number, ProviderNpi: number) => {
        const npi = new WSK_PROVIDER_NPI();
        const status = WskCaptureProviderNPI(
          this.registrations.get(Registration) ?? null,
          WaitTimeout,
          npi,
        );
        if (status === STATUS_SUCCESS) {
          mem.setU32(
            ProviderNpi + mem.off("WSK_PROVIDER_NPI.Client"),
            this.clients.address(npi.Client!),
          );
          mem.setU32(
            ProviderNpi + mem.off("WSK_PROVIDER_NPI.Dispatch"),
            mem.off("table.WSK_PROVIDER_DISPATCH"),
          );
          this.captures.set(Registration, (this.captures.get(Registration) ?? 0) + 1);
        }
        return status;
      },
      captureSuspend: () => Promise.resolve(STATUS_DEVICE_NOT_READY), // never reached: wskemu's provider is always ready
      WskReleaseProviderNPI: (Registration: number) => {
        WskReleaseProviderNPI(this.registrations.get(Registration) ?? null);
        const n = (this.captures.get(Registration) ?? 0) - 1;
        if (n > 0) this.captures.set(Registration, n);
        else this.captures.delete(Registration);
      },
      WskQueryProviderCharacteristics: (Registration: number, Characteristics: number) => {
        const c = { HighestVersion: 0, LowestVersion: 0 };
        const status = WskQueryProviderCharacteristics(
          this.registrations.get(Registration) ?? null,
          c,
        );
        if (status === STATUS_SUCCESS) {
          mem.setU16(
            Characteristics + mem.off("WSK_PROVIDER_CHARACTERISTICS.HighestVersion"),
            c.HighestVersion,
          );
          mem.setU16(
            Characteristics + mem.off("WSK_PROVIDER_CHARACTERISTICS.LowestVersion"),
            c.LowestVersion,
          );
        }
        return status;
      },
      deregisterPrepare: (Registration: number) => {
        this.noWaitAtDispatch("WskDeregister");
        return this.registrations.has(Registration) ? 1 : 0;
      },
      deregisterSuspend: async (Registration: number) => {
        await WskDeregister(this.registrations.get(Registration) ?? null);
        this.registrations.delete(Registration);
      },
      // ---- WSK_PROVIDER_DISPATCH
      WskSocket: (
        Client: number,
        AddressFamily: number,
        SocketType: number,
        Protocol: number,
        Flags: number,
        SocketContext: number,
        Dispatch: number,
        _Process: number,
        _Thread: number,
        _Sd: number,
        Irp: number,
      ) =>
        P.WskSocket(
          this.client(Client),
          AddressFamily,
          SocketType,
          Protocol,
          Flags,
          SocketContext,
          objects.clientDispatch(Dispatch, Flags),
          null,
          null,
          null,
          take(Irp),
        ),
      WskSocketConnect: (
        Client: number,
        SocketType: number,
        Protocol: number,
        Local: number,
        Remote: number,
        Flags: number,
        SocketContext: number,
        Dispatch: number,
        _Process: number,
        _Thread: number,
        _Sd: number,
        Irp: number,
      ) =>
        P.WskSocketConnect(
          this.client(Client),
          SocketType,
          Protocol,
          readSockaddr(mem, Local)!,
          readSockaddr(mem, Remote)!,
          Flags,
          SocketContext,
          objects.connectionDispatch(Dispatch),
          null,
          null,
          null,
          take(Irp),
        ),
      WskControlClient: (
        Client: number,
        ControlCode: number,
        InputSize: number,
        InputBuffer: number,
        OutputSize: number,
        OutputBuffer: number,
        OutputSizeReturned: number,
        Irp: number,
      ) => {
        if (ControlCode === WSK_TRANSPORT_LIST_QUERY && OutputBuffer !== 0) {
          return this.transportList(Client, OutputSize, OutputBuffer, OutputSizeReturned, Irp);
        }
        const c = this.controlBuffers(
          ControlCode === WSK_SET_STATIC_EVENT_CALLBACKS,
          InputSize,
          InputBuffer,
          OutputSize,
          OutputBuffer,
          OutputSizeReturned,
        );
        return c.done(
          P.WskControlClient(
            this.client(Client),
            ControlCode,
            InputSize,
            c.input,
            OutputSize,
            c.output,
            c.returned,
            take(Irp),
          ),
        );
      },
      WskGetAddressInfo: (
        Client: number,
        NodeName: number,
        ServiceName: number,
        NameSpace: number,
        _Provider: number,
        Hints: number,
        Result: number,
        _Process: number,
        _Thread: number,
        Irp: number,
      ) => {
        const client = this.client(Client);
        const result: Box<ADDRINFOEXW | null> = { value: null };
        const tsIrp = take(Irp);
        irps.onComplete(tsIrp, () => {
          if (Result !== 0) {
            mem.setU32(Result, result.value ? this.addressList(result.value, client) : 0);
          }
        });
        return P.WskGetAddressInfo(
          client,
          this.d.mem.unicodeStringObject(NodeName),
          this.d.mem.unicodeStringObject(ServiceName),
          NameSpace,
          null,
          this.hints(Hints),
          result,
          null,
          null,
          tsIrp,
        );
      },
      WskFreeAddressInfo: (Client: number, AddrInfo: number) => {
        const held = this.addressInfo.get(AddrInfo);
        if (held) {
          this.addressInfo.delete(AddrInfo);
          P.WskFreeAddressInfo(this.client(Client), held.list);
          held.blocks.forEach((b) => this.d.free(b));
        } else if (AddrInfo !== 0) {
          this.d.free(AddrInfo); // not a list wskemu returned: pool's checks name it (0x07 twice, 0x43 never)
        }
      },
      WskGetNameInfo: (
        Client: number,
        SockAddr: number,
        SockAddrLength: number,
        NodeName: number,
        ServiceName: number,
        Flags: number,
        _Process: number,
        _Thread: number,
        Irp: number,
      ) => {
        const node = this.d.mem.unicodeStringObject(NodeName),
          service = this.d.mem.unicodeStringObject(ServiceName);
        const tsIrp = take(Irp);
        irps.onComplete(tsIrp, () => {
          for (const [c, s] of [[NodeName, node], [ServiceName, service]] as const) {
            if (!c || !s) continue;
            const buffer = mem.u32(c + mem.off("UNICODE_STRING.Buffer"));
            const written = mem.writeWide(buffer, s.Buffer, s.MaximumLength >> 1);
            mem.setU16(c + mem.off("UNICODE_STRING.Length"), written * 2);
          }
        });
        return P.WskGetNameInfo(
          this.client(Client),
          readSockaddr(mem, SockAddr)!,
          SockAddrLength,
          node,
          service,
          Flags,
          null,
          null,
          tsIrp,
        );
      },
      // ---- socket dispatch (every category)
      WskControlSocket: (
        Socket: number,
        RequestType: number,
        ControlCode: number,
        Level: number,
        InputSize: number,
        InputBuffer: number,
        OutputSize: number,
        OutputBuffer: number,
        OutputSizeReturned: number,
        Irp: number,
      ) => {
        const c = this.controlBuffers(
          Level === SOL_SOCKET && ControlCode === SO_WSK_EVENT_CALLBACK,
          InputSize,
          InputBuffer,
          OutputSize,
          OutputBuffer,
          OutputSizeReturned,
        );
        return c.done(
          this.socketCall(
            "WskControlSocket",
            Socket,
            RequestType,
            ControlCode,
            Level,
            InputSize,
            c.input,
            OutputSize,
            c.output,
            c.returned,
            take(Irp),
          ),
        );
      },
      WskCloseSocket: (Socket: number, Irp: number) => {
        const socket = objects.socket(Socket, "WskCloseSocket");
        const tsIrp = take(Irp);
        irps.onComplete(tsIrp, () => objects.release(socket));
        return this.socketCall("WskCloseSocket", Socket, tsIrp);
      },
      WskBind: (Socket: number, LocalAddress: number, Flags: number, Irp: number) =>
        this.socketCall("WskBind", Socket, readSockaddr(mem, LocalAddress), Flags, take(Irp)),
      WskConnect: (Socket: number, RemoteAddress: number, Flags: number, Irp: number) =>
        this.socketCall("WskConnect", Socket, readSockaddr(mem, RemoteAddress), Flags, take(Irp)),
      WskConnectEx: (
        Socket: number,
        RemoteAddress: number,
        Buffer: number,
        Flags: number,
        Irp: number,
      ) =>
        this.socketCall(
          "WskConnectEx",
          Socket,
          readSockaddr(mem, RemoteAddress),
          this.buf(Buffer),
          Flags,
          take(Irp),
        ),
      WskListen: (Socket: number, Irp: number) => this.socketCall("WskListen", Socket, take(Irp)),
      WskAccept: (
        Socket: number,
        Flags: number,
        AcceptSocketContext: number,
        AcceptSocketDispatch: number,
        LocalAddress: number,
        RemoteAddress: number,
        Irp: number,
      ) => {
        const tsIrp = take(Irp);
        return this.socketCall(
          "WskAccept",
          Socket,
          Flags,
          AcceptSocketContext,
          objects.connectionDispatch(AcceptSocketDispatch),
          this.outAddress(LocalAddress, tsIrp),
          this.outAddress(RemoteAddress, tsIrp),
          tsIrp,
        );
      },
      WskInspectComplete: (Socket: number, InspectID: number, Action: number, Irp: number) =>
        this.socketCall(
          "WskInspectComplete",
          Socket,
          objects.inspectId(InspectID),
          Action,
          take(Irp),
        ),
      WskSend: (Socket: number, Buffer: number, Flags: number, Irp: number) =>
        this.socketCall("WskSend", Socket, this.buf(Buffer), Flags, take(Irp)),
      WskReceive: (Socket: number, Buffer: number, Flags: number, Irp: number) =>
        this.socketCall("WskReceive", Socket, this.buf(Buffer), Flags, take(Irp)),
      WskDisconnect: (Socket: number, Buffer: number, Flags: number, Irp: number) =>
        this.socketCall("WskDisconnect", Socket, this.buf(Buffer), Flags, take(Irp)),
      // Both C entries release through wskemu's one WskRelease, whichever chain it was.
      WskRelease: release,
      WskReleaseDatagram: release,
      WskGetLocalAddress: getAddress("WskGetLocalAddress"),
      WskGetRemoteAddress: getAddress("WskGetRemoteAddress"),
      WskSendTo: (
        Socket: number,
        Buffer: number,
        Flags: number,
        RemoteAddress: number,
        ControlInfoLength: number,
        ControlInfo: number,
        Irp: number,
      ) =>
        this.socketCall(
          "WskSendTo",
          Socket,
          this.buf(Buffer),
          Flags,
          readSockaddr(mem, RemoteAddress),
          ControlInfoLength,
          ControlInfo ? mem.view(ControlInfo, ControlInfoLength) : null,
          take(Irp),
        ),
      WskReceiveFrom: (
        Socket: number,
        Buffer: number,
        Flags: number,
        RemoteAddress: number,
        ControlLength: number,
        ControlInfo: number,
        ControlFlags: number,
        Irp: number,
      ) => {
        const tsIrp = take(Irp);
        const length: Box<number> | null = ControlLength ? { value: mem.u32(ControlLength) } : null;
        const flags: Box<number> | null = ControlFlags ? { value: 0 } : null;
        irps.onComplete(tsIrp, () => {
          if (length) mem.setU32(ControlLength, length.value);
          if (flags) mem.setU32(ControlFlags, flags.value);
        });
        return this.socketCall(
          "WskReceiveFrom",
          Socket,
          this.buf(Buffer),
          Flags,
          this.outAddress(RemoteAddress, tsIrp),
          length,
          ControlInfo && length ? mem.view(ControlInfo, length.value) : null,
          flags,
          tsIrp,
        );
      },
      WskSendMessages: (
        Socket: number,
        BufferList: number,
        Flags: number,
        RemoteAddress: number,
        ControlInfoLength: number,
        ControlInfo: number,
        Irp: number,
      ) => {
        let head: WSK_BUF_LIST | null = null, tail: WSK_BUF_LIST | null = null;
        for (let b = BufferList; b !== 0; b = mem.u32(b + mem.off("WSK_BUF_LIST.Next"))) {
          const entry: WSK_BUF_LIST = {
            Next: null,
            Buffer: this.buf(b + mem.off("WSK_BUF_LIST.Buffer"))!,
          };
          if (tail) tail.Next = entry;
          else head = entry;
          tail = entry;
        }
        return this.socketCall(
          "WskSendMessages",
          Socket,
          head,
          Flags,
          readSockaddr(mem, RemoteAddress),
          ControlInfoLength,
          ControlInfo ? mem.view(ControlInfo, ControlInfoLength) : null,
          take(Irp),
        );
      },
      WskSendEx: () => STATUS_NOT_SUPPORTED,
      WskReceiveEx: () => STATUS_NOT_SUPPORTED,
    };
  }
}
