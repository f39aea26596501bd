// Copyright 2026 the wskemu authors. MIT license.
// The seeded API fuzzer's argument generators: for each kind of parameter,
// mostly values a driver could really pass (so calls get deep), and garbage:
// bad IRPs (no location, in flight, freed, cancelled, not IRPs), bad WSK_BUFs
// (the short-MDL family, NULL Mdl, bad Offset/Length, looping chains), bad
// addresses, boxes and event callbacks that return garbage. Every address a
// call could really reach is on loopback.
import {
  AF_INET,
  AF_INET6,
  IoAllocateMdl,
  IoCancelIrp,
  IoFreeIrp,
  IoSetNextIrpStackLocation,
  IPPROTO_TCP,
  IPPROTO_UDP,
  type IRP,
  type MDL,
  NPI_WSK_INTERFACE_ID,
  SOCK_DGRAM,
  SOCK_STREAM,
  sockaddr,
  STATUS_DATA_NOT_ACCEPTED,
  STATUS_PENDING,
  STATUS_REQUEST_NOT_ACCEPTED,
  STATUS_SUCCESS,
  type WSK_BUF,
  WSK_EVENT_ACCEPT,
  WSK_EVENT_DISABLE,
  WSK_EVENT_DISCONNECT,
  WSK_EVENT_RECEIVE,
  WSK_EVENT_RECEIVE_FROM,
  WSK_EVENT_SEND_BACKLOG,
  WSK_FLAG_BASIC_SOCKET,
  WSK_FLAG_CONNECTION_SOCKET,
  WSK_FLAG_DATAGRAM_SOCKET,
  WSK_FLAG_LISTEN_SOCKET,
  WSK_FLAG_STREAM_SOCKET,
  type WSK_SOCKET,
  WskInspectAccept,
  WskInspectPend,
  WskInspectReject,
} from "../../mod.ts";
import { IrpLedger, type Prng } from "./_fuzz.ts";

/** Values that are no valid argument of any kind. */
export const GARBAGE: readonly unknown[] = [
  undefined,
  0,
  -1,
  0xffffffff,
  2 ** 40,
  NaN,
  Infinity,
  "x",
  "",
  true,
  {},
  [],
  { value: 1 },
  Object.freeze({}),
  new Uint8Array(3),
  () => 0,
  Symbol("garbage"),
];

/** What the generators draw from: the fuzzer's live objects. */
export interface FuzzWorld {
  /** Every socket the fuzzer holds (open or closed). */
  sockets: WSK_SOCKET[];
  /** The sockets WskCloseSocket took. */
  closed: Set<WSK_SOCKET>;
  /** Loopback ports worth reaching: listeners and datagram sockets of this run. */
  ports: number[];
  /** Indication lists retained by callbacks, for WskRelease. */
  retained: unknown[];
  /** Inspect IDs seen by WskInspectEvent, for WskInspectComplete. */
  inspectIds: unknown[];
  /** Sockets handed to WskAcceptEvent and accepted. */
  accepted(Socket: WSK_SOCKET): void;
  /** An event callback ran. */
  called(name: string): void;
}

/** The argument generators of one seeded run. */
export class FuzzValues {
  /** IRPs given out, with their completions. */
  readonly ledger: IrpLedger;
  /** IRPs someone cancelled (IoCancelIrp, a close, WskDeregister): the only ones that may complete STATUS_CANCELLED. */
  readonly cancelled: Set<IRP> = new Set();
  /** IRPs the fuzzer made look in flight (IoSetNextIrpStackLocation): nobody completes them. */
  readonly fakeInFlight: Set<IRP> = new Set();
  #freed: IRP[] = [];

  constructor(readonly rng: Prng, readonly world: FuzzWorld, onComplete: (Irp: IRP) => void) {
    this.ledger = new IrpLedger(onComplete);
  }

  /** Mostly `good()`, else garbage. */
  #or<T>(good: () => T, garbageRate = 0.15): T | unknown {
    return this.rng.chance(garbageRate) ? this.rng.pick(GARBAGE) : good();
  }

  /** An IRP argument: mostly fresh, sometimes unusable in every way Windows knows. */
  irp(): unknown {
    const r = this.rng.below(100);
    if (r < 78) return this.ledger.irp();
    if (r < 80) return null;
    if (r < 83) return this.ledger.irp(0); // no stack location
    if (r < 86) { // another call's IRP, still in flight
      const taken = [...this.ledger.completions.keys()].filter(IrpLedger.pending);
      if (taken.length) return this.rng.pick(taken);
      const Irp = this.ledger.irp();
      IoSetNextIrpStackLocation(Irp);
      this.fakeInFlight.add(Irp);
      return Irp;
    }
    if (r < 89) { // freed
      const Irp = this.ledger.irp();
      IoFreeIrp(Irp);
      this.#freed.push(Irp);
      return Irp;
    }
    if (r < 92) { // cancelled before the call
      const Irp = this.ledger.irp();
      IoCancelIrp(Irp);
      this.cancelled.add(Irp);
      return Irp;
    }
    if (r < 95) { // completed once already, passed again without IoReuseIrp
      const done = [...this.ledger.completions].filter(([Irp, n]) =>
        n > 0 && !IrpLedger.pending(Irp) && !this.#freed.includes(Irp)
      );
      if (done.length) {
        const [Irp] = this.rng.pick(done);
        this.ledger.arm(Irp);
        return Irp;
      }
    }
    return this.rng.pick(GARBAGE);
  }

  /** An IRP where NULL is allowed (controls that take none). */
  irpOrNull(): unknown {
    return this.rng.chance(0.5) ? null : this.irp();
  }

  /** A socket: one of the run's (any category, maybe closed), or garbage. */
  socket(): unknown {
    const open = this.world.sockets.filter((s) => !this.world.closed.has(s));
    const r = this.rng.below(100);
    if (r < 85 && open.length) return this.rng.pick(open);
    if (r < 92 && this.world.sockets.length) return this.rng.pick(this.world.sockets);
    return this.rng.pick(GARBAGE);
  }

  family(): unknown {
    return this.#or(() => this.rng.pick([AF_INET, AF_INET6, AF_INET, 0, 1, 17]), 0.05);
  }

  socketType(): unknown {
    return this.#or(() => this.rng.pick([SOCK_STREAM, SOCK_DGRAM, 3, 0]), 0.05);
  }

  protocol(): unknown {
    return this.#or(() => this.rng.pick([IPPROTO_TCP, IPPROTO_UDP, 0, 255]), 0.05);
  }

  category(): unknown {
    return this.#or(() =>
      this.rng.pick([
        WSK_FLAG_BASIC_SOCKET,
        WSK_FLAG_LISTEN_SOCKET,
        WSK_FLAG_CONNECTION_SOCKET,
        WSK_FLAG_DATAGRAM_SOCKET,
        WSK_FLAG_STREAM_SOCKET,
        3,
      ]), 0.05);
  }

  /** Flags words: mostly 0, else small bit sets. */
  flags(): unknown {
    return this.#or(() => this.rng.chance(0.7) ? 0 : this.rng.below(16), 0.1);
  }

  size(): unknown {
    return this.#or(() => this.rng.pick([0, 4, 8, 16, 28, 64, 1 << 20]), 0.15);
  }

  /** A SOCKADDR to read: loopback or wildcard with a port of this run, or garbage (never another host). */
  address(): unknown {
    const r = this.rng.below(100);
    const port = this.world.ports.length && this.rng.chance(0.7)
      ? this.rng.pick(this.world.ports)
      : this.rng.pick([0, 0, 9]);
    if (r < 45) return sockaddr("127.0.0.1", port);
    if (r < 55) return sockaddr("0.0.0.0", port);
    if (r < 65) return sockaddr("::1", port);
    if (r < 70) return sockaddr("::", port);
    if (r < 74) return { ...sockaddr("127.0.0.1", port)!, sin_family: AF_INET6 }; // wrong family
    if (r < 78) return { sin_family: AF_INET, sin_port: "80", sin_addr: { s_addr: "lo" } };
    if (r < 82) return { sin6_family: AF_INET6, sin6_port: 80, sin6_addr: { u: { Byte: [1] } } };
    if (r < 85) return "127.0.0.1:80";
    return this.rng.pick([null, ...GARBAGE]);
  }

  /** A SOCKADDR the provider writes into. */
  addressOut(): unknown {
    const r = this.rng.below(100);
    if (r < 70) return {};
    if (r < 80) return null;
    if (r < 85) return Object.freeze({});
    return this.rng.pick(GARBAGE);
  }

  /** A box `{ value }` the provider reads or writes. */
  box(): unknown {
    const r = this.rng.below(100);
    if (r < 65) return { value: this.rng.pick([0, 4, 8, 1500]) };
    if (r < 80) return null;
    if (r < 85) return Object.freeze({ value: 0 });
    return this.rng.pick(GARBAGE);
  }

  /** Memory for an MDL: bytes mostly, other views sometimes. */
  #memory(n: number): Uint8Array {
    const r = this.rng.below(10);
    if (r === 0) return new Uint16Array(Math.ceil(n / 2)) as unknown as Uint8Array;
    if (r === 1) return new Float64Array(Math.ceil(n / 8)) as unknown as Uint8Array;
    return new Uint8Array(n);
  }

  #mdl(n: number): MDL {
    const memory = this.#memory(n);
    return IoAllocateMdl(memory, n, false, false, null)!;
  }

  /** A WSK_BUF: small and valid mostly, else every way one can be bad. */
  wskBuf(): unknown {
    const r = this.rng.below(100);
    const n = 1 + this.rng.below(64);
    const Mdl = this.#mdl(n);
    const good = (): WSK_BUF => {
      const Offset = this.rng.below(n);
      return { Mdl, Offset, Length: 1 + this.rng.below(n - Offset) };
    };
    if (r < 55) return good();
    if (r < 62) { // a chain of two or three
      const buf = good();
      let tail = Mdl;
      for (let i = 1 + this.rng.below(2); i > 0; i--) {
        tail = tail.Next = this.#mdl(1 + this.rng.below(32));
      }
      buf.Length += this.rng.below(40);
      return buf;
    }
    if (r < 66) return { Mdl: null, Offset: 0, Length: 0 };
    if (r < 69) return { Mdl: null, Offset: 0, Length: 1 + this.rng.below(8) };
    if (r < 73) { // ByteCount raised after IoAllocateMdl
      Mdl.ByteCount = n + 1 + this.rng.below(1000);
      return { Mdl, Offset: 0, Length: Mdl.ByteCount };
    }
    if (r < 76) return { Mdl: { StartVa: new Uint8Array(n), Next: null }, Offset: 0, Length: n };
    if (r < 78) {
      return {
        Mdl: { StartVa: new Uint16Array(n), ByteCount: 4 * n, Next: null },
        Offset: 0,
        Length: 4 * n,
      };
    }
    if (r < 80) {
      return { Mdl: { StartVa: "bytes", ByteCount: n, Next: null }, Offset: 0, Length: n };
    }
    if (r < 84) { // a chain that loops back
      Mdl.Next = this.rng.chance(0.5)
        ? Mdl
        : IoAllocateMdl(new Uint8Array(1), 0, false, false, null);
      if (Mdl.Next !== Mdl) Mdl.Next!.Next = Mdl.Next;
      return { Mdl, Offset: 0, Length: n + 1 + this.rng.below(2 ** 20) };
    }
    if (r < 86) {
      Mdl.Next = this.rng.pick(GARBAGE) as MDL;
      return { Mdl, Offset: 0, Length: n + 1 };
    }
    if (r < 94) {
      const bad = this.rng.pick([-1, NaN, 2 ** 40, Infinity, 1.5, "4", n, n + 1]);
      return this.rng.chance(0.5)
        ? { Mdl, Offset: bad, Length: 1 }
        : { Mdl, Offset: 0, Length: bad };
    }
    return this.rng.pick([null, ...GARBAGE]);
  }

  /** A WSK_BUF where NULL is allowed. */
  wskBufOrNull(): unknown {
    return this.rng.chance(0.3) ? null : this.wskBuf();
  }

  /** A WSK_BUF_LIST for WskSendMessages (sometimes looping). */
  bufList(): unknown {
    if (this.rng.chance(0.15)) return this.rng.pick([null, ...GARBAGE]);
    const head = { Next: null as unknown, Buffer: this.wskBuf() };
    let tail = head;
    for (let i = this.rng.below(3); i > 0; i--) {
      const element = { Next: null as unknown, Buffer: this.wskBuf() };
      tail.Next = element;
      tail = element;
    }
    if (this.rng.chance(0.05)) tail.Next = head;
    return head;
  }

  /** An input or output buffer of a control: a ULONG as bytes or a box, an event control, garbage. */
  controlBuffer(): unknown {
    const r = this.rng.below(100);
    if (r < 25) return { value: this.rng.pick([0, 1, 1500, 65536]) };
    if (r < 40) return new Uint8Array(this.rng.pick([4, 8, 2]));
    if (r < 65) return { NpiId: NPI_WSK_INTERFACE_ID, EventMask: this.eventMask() };
    if (r < 75) return this.address();
    if (r < 80) return null;
    return this.rng.pick(GARBAGE);
  }

  /**
   * An SO_WSK_EVENT_CALLBACK mask: mostly events `Socket`'s category has (so
   * they really get enabled), sometimes one of them with WSK_EVENT_DISABLE,
   * sometimes any mix.
   */
  eventMask(Socket?: unknown): number {
    const all = [
      WSK_EVENT_ACCEPT,
      WSK_EVENT_RECEIVE,
      WSK_EVENT_DISCONNECT,
      WSK_EVENT_SEND_BACKLOG,
      WSK_EVENT_RECEIVE_FROM,
    ];
    const table = (Socket as { Dispatch?: Record<string, unknown> } | null)?.Dispatch ?? {};
    const own = all.filter((bit) =>
      bit === WSK_EVENT_ACCEPT
        ? "WskAccept" in table
        : bit === WSK_EVENT_RECEIVE_FROM
        ? "WskReceiveFrom" in table
        : "WskSend" in table
    );
    const bits = own.length && this.rng.chance(0.9) ? own : all;
    if (this.rng.chance(0.2)) return this.rng.pick(bits) | WSK_EVENT_DISABLE;
    let mask = 0;
    for (const bit of bits) if (this.rng.chance(0.6)) mask |= bit;
    return mask || this.rng.pick(bits);
  }

  /** A UNICODE_STRING: only names the resolver answers from this machine, or garbage. */
  unicodeString(which: "node" | "service" | "out"): unknown {
    const r = this.rng.below(100);
    const texts = which === "node"
      ? ["127.0.0.1", "::1", "localhost", ""]
      : ["80", "http", "", "0"];
    if (which === "out") {
      if (r < 70) return { Length: 0, MaximumLength: this.rng.pick([0, 4, 512]), Buffer: "" };
      if (r < 80) return null;
      if (r < 85) return Object.freeze({ Length: 0, MaximumLength: 512, Buffer: "" });
      return this.rng.pick(GARBAGE);
    }
    if (r < 70) {
      const Buffer = this.rng.pick(texts);
      return { Length: Buffer.length * 2, MaximumLength: Buffer.length * 2 + 2, Buffer };
    }
    if (r < 80) return null;
    if (r < 85) return { Length: 400, MaximumLength: 2, Buffer: "127.0.0.1" };
    return this.rng.pick(GARBAGE);
  }

  /** An inspect ID: one WskInspectEvent handed out, a made-up one, or garbage. */
  inspectId(): unknown {
    if (this.world.inspectIds.length && this.rng.chance(0.6)) {
      return this.rng.pick(this.world.inspectIds);
    }
    return this.rng.chance(0.5)
      ? { Key: this.rng.below(4), SerialNumber: 1 }
      : this.rng.pick(GARBAGE);
  }

  inspectAction(): unknown {
    return this.#or(() => this.rng.pick([WskInspectAccept, WskInspectReject, WskInspectPend, 7]));
  }

  /** An indication list for WskRelease: one retained by a callback, or garbage. */
  indication(): unknown {
    if (this.world.retained.length && this.rng.chance(0.6)) {
      const i = this.rng.below(this.world.retained.length);
      return this.world.retained.splice(i, 1)[0];
    }
    return this.rng.pick([null, ...GARBAGE]);
  }

  /** Anything at all. */
  any(): unknown {
    return this.rng.pick([null, ...GARBAGE]);
  }

  /** What an event callback returns: a status it may return, or garbage; now and then it throws. */
  #callbackReturn(): unknown {
    if (this.rng.chance(0.02)) throw new Error("an event callback that crashes");
    return this.rng.pick([
      STATUS_SUCCESS,
      STATUS_SUCCESS,
      STATUS_PENDING,
      STATUS_DATA_NOT_ACCEPTED,
      STATUS_REQUEST_NOT_ACCEPTED,
      ...GARBAGE,
    ]);
  }

  /** A client dispatch table with every callback, each returning garbage now and then (or no table, unless `wellFormed`). */
  clientDispatch(wellFormed = false): unknown {
    if (!wellFormed && this.rng.chance(0.3)) {
      return this.rng.chance(0.5) ? null : this.rng.pick(GARBAGE);
    }
    const ret = () => this.#callbackReturn() as number;
    const world = this.world;
    const rng = this.rng;
    const connect = {
      WskReceiveEvent: (
        _c: unknown,
        _f: number,
        Indication: unknown,
        _n: number,
        Accepted: { value: unknown },
      ) => {
        const status = ret();
        if (Indication && status === STATUS_PENDING) world.retained.push(Indication);
        if (Accepted && rng.chance(0.3)) Accepted.value = rng.pick([0, 1, -5, NaN, 2 ** 40, "3"]);
        return status;
      },
      WskDisconnectEvent: ret,
      WskSendBacklogEvent: ret,
    };
    const listen = {
      WskAcceptEvent: (
        _c: unknown,
        _f: number,
        _l: unknown,
        _r: unknown,
        AcceptSocket: WSK_SOCKET | null,
        Context: { value: unknown },
        Dispatch: { value: unknown },
      ) => {
        const status = ret();
        if (AcceptSocket && status === STATUS_SUCCESS) world.accepted(AcceptSocket);
        if (rng.chance(0.3)) Context.value = rng.pick(GARBAGE);
        if (rng.chance(0.3)) Dispatch.value = rng.chance(0.5) ? connect : rng.pick(GARBAGE);
        return status;
      },
      WskInspectEvent: (_c: unknown, _l: unknown, _r: unknown, InspectID: unknown) => {
        world.inspectIds.push(InspectID);
        ret();
        return rng.pick([WskInspectAccept, WskInspectReject, WskInspectPend, ...GARBAGE]);
      },
      WskAbortEvent: ret,
    };
    const datagram = {
      WskReceiveFromEvent: (_c: unknown, _f: number, Indication: unknown) => {
        const status = ret();
        if (Indication && status === STATUS_PENDING) world.retained.push(Indication);
        return status;
      },
    };
    // Every callback counts its calls, so a report shows which events really happened.
    const counted = <T extends Record<string, (...a: never[]) => unknown>>(table: T): T =>
      Object.fromEntries(
        Object.entries(table).map(([name, fn]) => [name, (...a: never[]) => {
          world.called(name);
          return fn(...a);
        }]),
      ) as T;
    const [c, l, d] = [counted(connect), counted(listen), counted(datagram)];
    return { ...c, ...l, ...d, Listen: l, Connect: c };
  }
}
