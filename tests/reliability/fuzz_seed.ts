// Copyright 2026 the wskemu authors. MIT license.
// One seeded run of the API fuzzer, in its own process so that a blocked event
// loop can be caught from outside (fuzz_test.ts kills a run whose heartbeat
// stops). Usage: deno run -A fuzz_seed.ts <seed> <calls> [--block]
//
// It calls every dispatch function of every socket category, every
// client-level function and every registration function with generated
// arguments (event callbacks call back in now and then), then closes
// everything and deregisters, and prints one JSON report line: bug checks (at
// the call and from the queue, by code), any other exception, uncaught
// errors, IRP completion counts against the calls that took them, IRPs that
// completed after their socket's close, and whether every WskDeregister
// returned. Wrong statuses it can tell at once (a NULL IRP not refused, a send
// reporting a byte count other than its length) are reported as exceptions.
import {
  AF_INET,
  AF_INET6,
  AI_CANONNAME,
  AI_V4MAPPED,
  BugCheckError,
  completionQueueIdle,
  IoAllocateMdl,
  IoCancelIrp,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IRP,
  MAKE_WSK_VERSION,
  NI_NUMERICHOST,
  NPI_WSK_INTERFACE_ID,
  NS_ALL,
  NS_DNS,
  ntStatusName,
  onBugCheck,
  SO_WSK_EVENT_CALLBACK,
  SOCK_STREAM,
  type SOCKADDR,
  sockaddr,
  SOL_SOCKET,
  STATUS_CANCELLED,
  STATUS_INVALID_PARAMETER,
  WSK_EVENT_DISABLE,
  WSK_FLAG_BASIC_SOCKET,
  WSK_NO_WAIT,
  WSK_PROVIDER_NPI,
  WSK_REGISTRATION,
  WSK_SET_STATIC_EVENT_CALLBACKS,
  type WSK_SOCKET,
  WskCaptureProviderNPI,
  WskDeregister,
  WskGetOption,
  WskIoctl,
  WskQueryProviderCharacteristics,
  WskRegister,
  wskRegisterWithTransport,
  WskReleaseProviderNPI,
  WskSetOption,
} from "../../mod.ts";
import { FaultTransport } from "../../testing/mod.ts";
import { realTransport } from "../../transport/mod.ts";
import { IrpLedger, Prng, within } from "./_fuzz.ts";
import {
  CLIENT_CONTROL_CODES,
  COHERENT,
  CONTROL_CODES,
  type Kind,
  SIGNATURES,
} from "./fuzz_signatures.ts";
import { FuzzValues, type FuzzWorld, GARBAGE } from "./fuzz_values.ts";

/** What one seeded run saw. */
export interface FuzzReport {
  /** The seed. */
  seed: number;
  /** Calls made. */
  calls: number;
  /** Calls that returned a status. */
  statuses: number;
  /** Calls per function that took their IRP (how deep the run got). */
  took: Record<string, number>;
  /** Completions by final status (how deep the run got). */
  completed: Record<string, number>;
  /** Event callback calls by name (how deep the run got). */
  callbacks: Record<string, number>;
  /** Bug checks thrown at the call, by code (hex). */
  atCall: Record<string, number>;
  /** Bug checks raised from the completion queue, by code (hex). */
  queued: Record<string, number>;
  /** The first message of each bug check code seen (at the call, queued), to read when something fails. */
  messages: Record<string, string>;
  /** Exceptions other than BugCheckError, and non-status returns (the first few). */
  exceptions: string[];
  /** Uncaught errors and unhandled rejections (the first few). */
  uncaught: string[];
  /** IRPs completed more often than calls took them. */
  doubleCompletions: number;
  /** IRPs taken by a call and never completed, after every close and WskDeregister. */
  pendingAfterClose: number;
  /** IRPs taken on a socket that completed after the socket's WskCloseSocket did. */
  completedAfterClose: number;
  /** IRPs that completed STATUS_CANCELLED though no IoCancelIrp, close or WskDeregister cancelled them. */
  unexplainedCancels: number;
  /** WskDeregister calls that did not return in time. */
  deregisterTimeouts: number;
  /** Sockets the run created and closed. */
  sockets: number;
}

/** The calls whose second argument is a WSK_BUF and whose Information counts its bytes. */
const BYTE_CALLS = new Set(["WskSend", "WskReceive", "WskSendTo", "WskReceiveFrom"]);

const clientNpi = () => ({
  ClientContext: null,
  Dispatch: { Version: MAKE_WSK_VERSION(1, 0), Reserved: 0, WskClientEvent: null },
});

const hex = (code: number) => "0x" + code.toString(16).toUpperCase();
const count = (report: FuzzReport, where: "atCall" | "queued", error: BugCheckError) => {
  const code = hex(error.BugCheckCode);
  report[where][code] = (report[where][code] ?? 0) + 1;
  report.messages[`${where} ${code}`] ??= error.message;
};
const describe = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/** One seeded run. */
export class FuzzRun {
  readonly rng: Prng;
  readonly report: FuzzReport;
  readonly values: FuzzValues;
  readonly world: FuzzWorld;
  /** How many times a call took each IRP (it must complete exactly that often). */
  readonly #takes = new Map<IRP, number>();
  /** Registrations and how many captures each holds (released before deregistering). */
  readonly #registrations = new Map<WSK_REGISTRATION, number>();
  readonly #clients: unknown[] = [];
  readonly #deregistrations: Promise<void>[] = [];
  readonly #resultBoxes: { value: unknown }[] = [];
  readonly #sockets = new Set<WSK_SOCKET>();
  /** The function that took each IRP last. */
  readonly #names = new Map<IRP, string>();
  /** Sends and receives in flight, with their WSK_BUF.Length. */
  readonly #lengths = new Map<IRP, [string, number]>();
  /** The connected pair and the bound datagram socket made by setUp. */
  #pair: WSK_SOCKET[] = [];
  #datagram: WSK_SOCKET | null = null;
  /** The dispatch functions to draw from (refreshed as sockets come). */
  #functions: [string, (...a: unknown[]) => unknown][] = [];
  #inCallback = false;
  /** IRPs taken on each socket, with their completion count then. */
  readonly #held = new Map<WSK_SOCKET, [IRP, number, string][]>();
  /** First closes in flight, with what their socket held. */
  readonly #closes = new Map<IRP, [IRP, number, string][]>();
  /** The client under test. */
  readonly registration: WSK_REGISTRATION = new WSK_REGISTRATION();
  readonly npi: WSK_PROVIDER_NPI = new WSK_PROVIDER_NPI();

  constructor(seed: number) {
    this.rng = new Prng(seed);
    this.report = {
      seed,
      calls: 0,
      statuses: 0,
      took: {},
      completed: {},
      callbacks: {},
      atCall: {},
      queued: {},
      messages: {},
      exceptions: [],
      uncaught: [],
      doubleCompletions: 0,
      pendingAfterClose: 0,
      completedAfterClose: 0,
      unexplainedCancels: 0,
      deregisterTimeouts: 0,
      sockets: 0,
    };
    this.world = {
      sockets: [],
      closed: new Set(),
      ports: [],
      retained: [],
      inspectIds: [],
      accepted: (Socket) => this.#adopt(Socket),
      called: (name) => {
        this.report.callbacks[name] = (this.report.callbacks[name] ?? 0) + 1;
        if (this.rng.chance(0.15)) this.#reenter();
      },
    };
    this.values = new FuzzValues(this.rng, this.world, (Irp) => {
      this.#closeCompleted(Irp);
      this.#checkCount(Irp);
      if (Irp.IoStatus.Status === STATUS_CANCELLED && !this.values.cancelled.has(Irp)) {
        this.report.unexplainedCancels++;
        this.#exceptionOnce(
          `a ${this.#names.get(Irp)} IRP completed STATUS_CANCELLED, uncancelled`,
        );
      }
      const status = ntStatusName(Irp.IoStatus.Status);
      this.report.completed[status] = (this.report.completed[status] ?? 0) + 1;
      const Information = Irp.IoStatus.Information as { Dispatch?: unknown };
      if (typeof Information === "object" && Information?.Dispatch) {
        this.#adopt(Information as WSK_SOCKET);
      }
    });
  }

  #adopt(Socket: WSK_SOCKET): void {
    if (this.#sockets.has(Socket)) return;
    this.#sockets.add(Socket);
    this.world.sockets.push(Socket);
  }

  /** Registers the client under test and builds a few live sockets on loopback. */
  async setUp(): Promise<void> {
    // Even seeds put the client over the fault transport: slices, latency, a reset, a refused
    // connect, a black hole, a dying listener and lost or doubled datagrams, under the garbage.
    const transport = this.report.seed % 2 === 0
      ? new FaultTransport({
        seed: this.report.seed,
        latencyMs: 1,
        maxSliceBytes: 16,
        resetAtByte: 4000,
        refuseConnect: 3,
        blackHoleStream: 5,
        failListenerAfter: 40,
        udpDropRate: 0.1,
        udpDuplicateRate: 0.1,
      })
      : realTransport;
    wskRegisterWithTransport(clientNpi(), this.registration, transport);
    WskCaptureProviderNPI(this.registration, WSK_NO_WAIT, this.npi);
    this.#registrations.set(this.registration, 1);
    this.#clients.push(this.npi.Client);
    if (this.rng.chance(0.5)) {
      this.npi.Dispatch!.WskControlClient(
        this.npi.Client,
        WSK_SET_STATIC_EVENT_CALLBACKS,
        8,
        { NpiId: NPI_WSK_INTERFACE_ID, EventMask: this.values.eventMask() & ~WSK_EVENT_DISABLE },
        0,
        null,
        null,
        null,
      );
    }
    // One socket of each kind worth having (COHERENT), and a second IPv4 connection socket.
    const categories = [...COHERENT, COHERENT[4]!];
    const made: WSK_SOCKET[] = [];
    for (const [family, type, protocol, flags] of categories) {
      const dispatch = flags === WSK_FLAG_BASIC_SOCKET ? null : this.values.clientDispatch(true);
      const Socket = await this.#call((Irp) =>
        this.npi.Dispatch!.WskSocket(
          this.npi.Client,
          family,
          type,
          protocol,
          flags,
          null,
          dispatch as never,
          null,
          null,
          null,
          Irp,
        )
      );
      made.push(Socket as WSK_SOCKET);
    }
    // The IPv4 listener and the datagram socket are bound, and one connection socket is
    // connected to the listener, so that data, accepts and indications really happen.
    const [listener, client, datagram] = [made[1], made[4], made[6]];
    for (const Socket of [listener!, datagram!]) {
      const d = Socket.Dispatch as Record<string, (...a: unknown[]) => number>;
      await this.#call((Irp) => d.WskBind!(Socket, sockaddr("127.0.0.1", 0), 0, Irp));
      const local: SOCKADDR & { sin_port?: number } = {};
      await this.#call((Irp) => d.WskGetLocalAddress!(Socket, local, Irp));
      this.world.ports.push(((local.sin_port ?? 0) >> 8) | (((local.sin_port ?? 0) & 0xff) << 8));
    }
    const c = client!.Dispatch as Record<string, (...a: unknown[]) => number>;
    await this.#call((Irp) => c.WskBind!(client, sockaddr("0.0.0.0", 0), 0, Irp));
    const l = listener!.Dispatch as Record<string, (...a: unknown[]) => number>;
    const accepted = this.#call((Irp) =>
      l.WskAccept!(listener, 0, null, this.values.clientDispatch(true), null, null, Irp)
    );
    await this.#call((Irp) =>
      c.WskConnect!(client, sockaddr("127.0.0.1", this.world.ports[0]!), 0, Irp)
    );
    const server = await accepted as WSK_SOCKET;
    this.#pair = [client!, server];
    this.#datagram = datagram!;
    // Events on: callbacks run from the start (the fuzzer turns them on and off later).
    for (const Socket of [listener!, datagram!, client!, server]) this.#enableEvents(Socket);
  }

  /**
   * A well-formed call that makes the network move, so that events fire: a
   * send on the connected pair, a datagram to the bound datagram socket, or a
   * WskSocketConnect to the listener. All on loopback.
   */
  #traffic(): void {
    const [listenerPort, datagramPort] = this.world.ports;
    const bytes = new Uint8Array(1 + this.rng.below(256)).fill(0x5a);
    const Mdl = IoAllocateMdl(bytes, bytes.length, false, false, null)!;
    const Buffer = { Mdl, Offset: 0, Length: bytes.length };
    const Irp = this.values.ledger.irp();
    const r = this.rng.below(3);
    if (r === 0) {
      const Socket = this.rng.pick(this.#pair);
      const d = Socket.Dispatch as Record<string, (...a: unknown[]) => number>;
      this.#invoke("WskSend", () => d.WskSend!(Socket, Buffer, 0, Irp), [Socket, Buffer, Irp]);
    } else if (r === 1) {
      const Socket = this.#datagram!;
      const d = Socket.Dispatch as Record<string, (...a: unknown[]) => number>;
      const to = sockaddr("127.0.0.1", datagramPort!);
      const args = [Socket, Buffer, 0, to, 0, null, Irp];
      this.#invoke("WskSendTo", () => d.WskSendTo!(...args), args);
    } else {
      const { Dispatch, Client } = this.npi;
      const [local, remote] = [sockaddr("0.0.0.0", 0), sockaddr("127.0.0.1", listenerPort!)];
      this.#invoke(
        "WskSocketConnect",
        () =>
          Dispatch!.WskSocketConnect(
            Client,
            SOCK_STREAM,
            IPPROTO_TCP,
            local!,
            remote!,
            0,
            null,
            this.values.clientDispatch() as never,
            null,
            null,
            null,
            Irp,
          ),
        [Irp],
      );
    }
  }

  /** SO_WSK_EVENT_CALLBACK with a well-formed control and a drawn mask (enable, or disable one). */
  #enableEvents(Socket: unknown): void {
    const control = { NpiId: NPI_WSK_INTERFACE_ID, EventMask: this.values.eventMask(Socket) };
    const Irp = this.rng.chance(0.5) ? null : this.values.ledger.irp();
    // Through the socket's own table, or any table for a garbage socket.
    const table = this.#sockets.has(Socket as WSK_SOCKET)
      ? (Socket as WSK_SOCKET).Dispatch
      : this.world.sockets[0]!.Dispatch;
    const args = [Socket, WskSetOption, SO_WSK_EVENT_CALLBACK, SOL_SOCKET, 8, control, 0, null];
    args.push(null, Irp);
    const fn = (table as Record<string, (...a: unknown[]) => number>).WskControlSocket!;
    this.#invoke("WskControlSocket", () => fn(...args), args);
  }

  /** A setup call: a fresh ledger IRP, waited for; returns its Information. */
  #call(issue: (Irp: IRP) => number): Promise<unknown> {
    const Irp = this.values.ledger.irp();
    this.#invoke("setup", () => issue(Irp), [Irp]);
    return within(
      this.values.ledger.completed(Irp).then((first) => first.Information),
      10_000,
      "a setup call",
    );
  }

  /** Makes one call, recording what it did. */
  #invoke(name: string, action: () => unknown, args: unknown[], returnsStatus = true): unknown {
    const irps = args.filter((a): a is IRP =>
      a instanceof IRP && this.values.ledger.completions.has(a)
    );
    const before = irps.map(IrpLedger.pending);
    let result: unknown;
    this.report.calls++;
    try {
      result = action();
      if (returnsStatus && typeof result !== "number") {
        this.#exception(`${name} returned ${typeof result}, not an NTSTATUS`);
      } else this.report.statuses++;
    } catch (error) {
      if (error instanceof BugCheckError) count(this.report, "atCall", error);
      else this.#exception(`${name} threw ${describe(error)}`);
    }
    irps.forEach((Irp, i) => {
      if (before[i] || !IrpLedger.pending(Irp)) return;
      const Length = (args[1] as { Length?: unknown } | null)?.Length;
      if (BYTE_CALLS.has(name) && typeof Length === "number") {
        this.#lengths.set(Irp, [name, Length]);
      }
      this.#takes.set(Irp, (this.#takes.get(Irp) ?? 0) + 1);
      this.report.took[name] = (this.report.took[name] ?? 0) + 1;
      this.#names.set(Irp, name);
      // WskDeregister cancels WSK_TRANSPORT_LIST_CHANGE requests.
      if (name === "WskControlClient") this.values.cancelled.add(Irp);
      if (this.#sockets.has(args[0] as WSK_SOCKET)) this.#heldOn(args[0] as WSK_SOCKET, name, Irp);
    });
    return result;
  }

  /**
   * Records an IRP a call on `Socket` took. The first WskCloseSocket of a
   * socket must complete after every IRP taken on it before.
   */
  #heldOn(Socket: WSK_SOCKET, name: string, Irp: IRP): void {
    const completions = this.values.ledger.completions;
    if (name !== "WskCloseSocket") {
      const held = this.#held.get(Socket) ?? [];
      held.push([Irp, completions.get(Irp)!, name]);
      this.#held.set(Socket, held);
    } else if (!this.world.closed.has(Socket)) {
      this.world.closed.add(Socket);
      this.#closes.set(Irp, this.#held.get(Socket) ?? []);
      // The close cancels what the socket holds.
      for (const [held] of this.#held.get(Socket) ?? []) this.values.cancelled.add(held);
      this.#held.delete(Socket); // calls after the close do not count against it
    }
  }

  /** A send or receive succeeded: a send moved all its bytes, a receive no more than its buffer holds. */
  #checkCount(Irp: IRP): void {
    const taken = this.#lengths.get(Irp);
    if (!taken) return;
    this.#lengths.delete(Irp);
    const [name, Length] = taken;
    const { Status, Information } = Irp.IoStatus;
    if (Status !== 0) return;
    const right = name.includes("Send") ? Information === Length : Number(Information) <= Length;
    if (!right) {
      this.#exceptionOnce(`${name} of ${Length} bytes completed with Information ${Information}`);
    }
  }

  /** A close completed: everything taken on its socket before must have completed already. */
  #closeCompleted(Irp: IRP): void {
    const held = this.#closes.get(Irp);
    if (!held) return;
    this.#closes.delete(Irp);
    const completions = this.values.ledger.completions;
    for (const [late, before, name] of held) {
      if (completions.get(late)! > before) continue;
      this.report.completedAfterClose++;
      this.#exceptionOnce(`a ${name} IRP completed after the WskCloseSocket of its socket`);
    }
  }

  /** Like #exception, for a finding that recurs: reported once. */
  #exceptionOnce(text: string): void {
    if (!this.report.exceptions.includes(text)) this.#exception(text);
  }

  #exception(text: string): void {
    if (this.report.exceptions.length < 10) this.report.exceptions.push(text);
  }

  /** An argument of `kind`. */
  #arg(kind: Kind): unknown {
    const v = this.values, rng = this.rng;
    switch (kind) {
      case "socket":
        return v.socket();
      case "client":
        return rng.chance(0.85) ? this.npi.Client : rng.pick([...this.#clients, null, ...GARBAGE]);
      case "irp":
        return v.irp();
      case "irpOrNull":
        return v.irpOrNull();
      case "any":
        return v.any();
      case "flags":
        return v.flags();
      case "size":
        return v.size();
      case "address":
        return v.address();
      case "addressOrNull":
        return rng.chance(0.3) ? null : v.address();
      case "addressOut":
        return v.addressOut();
      case "box":
        return v.box();
      case "wskBuf":
        return v.wskBuf();
      case "wskBufOrNull":
        return v.wskBufOrNull();
      case "bufList":
        return v.bufList();
      case "reqType":
        return rng.pick([WskSetOption, WskGetOption, WskIoctl, WskSetOption, 3, "x"]);
      case "controlCode":
        return rng.pick(CONTROL_CODES);
      case "level":
        return rng.pick([SOL_SOCKET, SOL_SOCKET, IPPROTO_TCP, IPPROTO_IPV6, 0]);
      case "controlBuffer":
        return v.controlBuffer();
      case "clientControlCode":
        return rng.pick(CLIENT_CONTROL_CODES);
      case "family":
        return v.family();
      case "socketType":
        return v.socketType();
      case "protocol":
        return v.protocol();
      case "category":
        return v.category();
      case "clientDispatch":
        return v.clientDispatch();
      case "inspectId":
        return v.inspectId();
      case "inspectAction":
        return v.inspectAction();
      case "indication":
        return v.indication();
      case "nodeName":
        return v.unicodeString("node");
      case "serviceName":
        return v.unicodeString("service");
      case "nameOut":
        return v.unicodeString("out");
      case "nameSpace":
        return rng.pick([NS_ALL, NS_ALL, NS_DNS, 5]);
      case "hints":
        return rng.pick([
          null,
          { ai_family: AF_INET },
          { ai_family: AF_INET6, ai_flags: AI_V4MAPPED },
          { ai_flags: AI_CANONNAME },
          ...GARBAGE,
        ]);
      case "resultBox": {
        const box = v.box() as { value: unknown };
        if (box && typeof box === "object" && !Object.isFrozen(box)) this.#resultBoxes.push(box);
        return box;
      }
      case "addrInfo":
        return this.#resultBoxes.length && rng.chance(0.7)
          ? rng.pick(this.#resultBoxes).value
          : v.any();
      case "nameFlags":
        // NI_NUMERICHOST always: a reverse lookup could leave this machine.
        return (rng.chance(0.8) ? rng.below(32) : 0x4000) | NI_NUMERICHOST;
    }
  }

  /** The functions of a dispatch table that the fuzzer knows the parameters of. */
  #functionsOf(table: unknown): [string, (...a: unknown[]) => unknown][] {
    return Object.entries(table as Record<string, unknown>).filter(([name, fn]) =>
      typeof fn === "function" && SIGNATURES[name]
    ) as [string, (...a: unknown[]) => unknown][];
  }

  /** Every dispatch function: the client-level table and each socket category's table. */
  #allFunctions(): [string, (...a: unknown[]) => unknown][] {
    const tables = new Set<unknown>([this.npi.Dispatch]);
    for (const Socket of this.world.sockets) tables.add(Socket.Dispatch);
    return [...tables].flatMap((table) => this.#functionsOf(table));
  }

  /**
   * A function and its socket: mostly a live socket and a function of its own
   * table (so calls get past the category check), else any function.
   */
  #target(functions: [string, (...a: unknown[]) => unknown][]): {
    name: string;
    fn: (...a: unknown[]) => unknown;
    Socket?: unknown;
  } {
    // Too few live sockets: make one (the completion adds it to the pool).
    const open = this.world.sockets.filter((s) => !this.world.closed.has(s)).length;
    if (open < 8 && this.rng.chance(0.3)) {
      return { name: "WskSocket", fn: this.npi.Dispatch!.WskSocket as never };
    }
    const Socket = this.values.socket();
    const own = this.world.sockets.includes(Socket as WSK_SOCKET) && this.rng.chance(0.75)
      ? this.#functionsOf((Socket as WSK_SOCKET).Dispatch)
      : [];
    let [name, fn] = this.rng.pick(own.length ? own : functions);
    // Closing is one call in many: most sockets should live long enough to get deep.
    if (name === "WskCloseSocket" && this.rng.chance(0.8)) [name, fn] = this.rng.pick(functions);
    return SIGNATURES[name]![0] === "socket" ? { name, fn, Socket } : { name, fn };
  }

  /** One registration-function call with generated arguments. */
  #registrationCall(): void {
    const rng = this.rng;
    const reg = (): unknown =>
      rng.pick([
        ...this.#registrations.keys(),
        new WSK_REGISTRATION(),
        Object.freeze(new WSK_REGISTRATION()),
        null,
        ...GARBAGE,
      ]);
    const which = rng.below(5);
    if (which === 0 && rng.chance(0.3)) {
      // The same, with a transport of the caller's (the real one, or garbage).
      const transport = rng.pick([realTransport, null, {}, { tcp: {} }, ...GARBAGE]);
      const block = reg();
      const status = this.#invoke(
        "wskRegisterWithTransport",
        () => wskRegisterWithTransport(clientNpi(), block as never, transport as never),
        [],
      );
      if (status === 0) this.#registrations.set(block as WSK_REGISTRATION, 0);
    } else if (which === 0) {
      const block = reg();
      const npi = rng.pick([
        clientNpi(),
        null,
        { ClientContext: null, Dispatch: null },
        { ClientContext: null, Dispatch: { Version: rng.pick(GARBAGE) } },
        ...GARBAGE,
      ]);
      const status = this.#invoke(
        "WskRegister",
        () => WskRegister(npi as never, block as never),
        [],
      );
      if (status === 0) this.#registrations.set(block as WSK_REGISTRATION, 0);
    } else if (which === 1) {
      const block = reg();
      const out = rng.pick([
        new WSK_PROVIDER_NPI(),
        null,
        Object.freeze(new WSK_PROVIDER_NPI()),
        ...GARBAGE,
      ]);
      const status = this.#invoke(
        "WskCaptureProviderNPI",
        () => WskCaptureProviderNPI(block as never, WSK_NO_WAIT, out as never),
        [],
      );
      if (status === 0) {
        const b = block as WSK_REGISTRATION;
        this.#registrations.set(b, (this.#registrations.get(b) ?? 0) + 1);
        this.#clients.push((out as WSK_PROVIDER_NPI).Client);
      }
    } else if (which === 2) {
      const block = reg();
      this.#invoke("WskReleaseProviderNPI", () => WskReleaseProviderNPI(block as never), [], false);
      const held = this.#registrations.get(block as WSK_REGISTRATION);
      if (held) this.#registrations.set(block as WSK_REGISTRATION, held - 1);
    } else if (which === 3) {
      const out = rng.pick([{}, null, Object.freeze({}), ...GARBAGE]);
      this.#invoke(
        "WskQueryProviderCharacteristics",
        () => WskQueryProviderCharacteristics(reg() as never, out as never),
        [],
      );
    } else {
      // Any block but the client under test's: that one is deregistered at the end.
      const block = rng.pick(
        [...this.#registrations.keys()].filter((r) => r !== this.registration),
      );
      const target = block ?? rng.pick([null, ...GARBAGE]);
      const done = this.#invoke("WskDeregister", () => WskDeregister(target as never), [], false);
      if (done instanceof Promise) this.#deregistrations.push(done);
      else this.#exception(`WskDeregister returned ${typeof done}, not a promise`);
    }
  }

  /** The fuzzing loop: `calls` calls, yielding to the event loop now and then. */
  async fuzz(calls: number): Promise<void> {
    this.#functions = this.#allFunctions();
    for (let i = 0; i < calls; i++) {
      if (i % 50 === 49) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        this.#functions = this.#allFunctions();
      }
      this.#step();
    }
  }

  /** One call of any kind: registration, cancel, events, traffic, or a dispatch function. */
  #step(): void {
    if (this.rng.chance(0.03)) return this.#registrationCall();
    if (this.rng.chance(0.02)) this.#cancelOne();
    if (this.rng.chance(0.03)) return this.#enableEvents(this.values.socket());
    if (this.rng.chance(0.04)) return this.#traffic();
    const { name, fn, Socket } = this.#target(this.#functions);
    const args = SIGNATURES[name]!.map((kind) => this.#arg(kind));
    if (Socket !== undefined) args[0] = Socket;
    if (name === "WskSocket" && this.rng.chance(0.6)) {
      args.splice(1, 4, ...this.rng.pick(COHERENT));
    }
    if (name === "WskSocketConnect" && this.rng.chance(0.6)) {
      args.splice(1, 2, SOCK_STREAM, IPPROTO_TCP);
    }
    const status = this.#invoke(name, () => fn(...args), args, name !== "WskFreeAddressInfo");
    // A NULL IRP where one is required: STATUS_INVALID_PARAMETER, returned, nothing completed.
    const nullIrp = SIGNATURES[name]!.at(-1) === "irp" && args.at(-1) === null;
    if (nullIrp && typeof status === "number" && status !== STATUS_INVALID_PARAMETER) {
      if (!name.endsWith("Ex") || name === "WskConnectEx") {
        this.#exception(`${name} returned ${ntStatusName(status)} for a NULL IRP`);
      }
    }
  }

  /** From inside an event callback: one call, as a driver makes them there (never nested). */
  #reenter(): void {
    if (this.#inCallback || this.#functions.length === 0) return;
    this.#inCallback = true;
    try {
      this.#step();
    } finally {
      this.#inCallback = false;
    }
  }

  /** Names what keeps a registration from ending (the provider's own state, read for the report). */
  #whatIsLeft(block: WSK_REGISTRATION): void {
    const client = block.ReservedRegistrationContext as {
      captures?: number;
      sockets?: Set<{ constructor: { name: string }; closed: boolean; state?: string }>;
    } | null;
    if (!client?.sockets || (client.captures === 0 && client.sockets.size === 0)) return;
    const left = [...client.sockets].map((s) =>
      `${s.constructor.name} ${s.state ?? ""} closed=${s.closed}`
    );
    this.#exception(`WskDeregister waits on ${client.captures} captures and ${left.join(", ")}`);
  }

  /** IoCancelIrp on an IRP some call holds. */
  #cancelOne(): void {
    const held = [...this.#takes.keys()].filter((Irp) =>
      IrpLedger.pending(Irp) && !this.values.fakeInFlight.has(Irp)
    );
    if (!held.length) return;
    const Irp = this.rng.pick(held);
    this.values.cancelled.add(Irp);
    IoCancelIrp(Irp);
  }

  /** Closes every socket (again while completions bring new ones), then deregisters everything. */
  async tearDown(): Promise<void> {
    const closed = new Set<WSK_SOCKET>();
    for (let round = 0; round < 20; round++) {
      const open = this.world.sockets.filter((s) => !closed.has(s));
      if (open.length === 0) break;
      for (const Socket of open) {
        closed.add(Socket);
        const close = (Socket.Dispatch as Record<string, (...a: unknown[]) => number>)
          .WskCloseSocket!;
        const Irp = this.values.ledger.irp();
        this.#invoke("WskCloseSocket", () => close(Socket, Irp), [Socket, Irp]);
      }
      await completionQueueIdle();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    this.report.sockets = closed.size;
    for (const [block, held] of this.#registrations) {
      for (let i = 0; i < held; i++) WskReleaseProviderNPI(block);
    }
    const blocks = [...this.#registrations.keys()];
    const all = blocks.map((block) => WskDeregister(block));
    for (const done of [...all, ...this.#deregistrations]) {
      await within(done, 10_000, "WskDeregister").catch(() => this.report.deregisterTimeouts++);
    }
    if (this.report.deregisterTimeouts) blocks.forEach((block) => this.#whatIsLeft(block));
    await completionQueueIdle();
    for (const [Irp, completions] of this.values.ledger.completions) {
      if (this.values.fakeInFlight.has(Irp)) continue;
      const takes = this.#takes.get(Irp) ?? 0;
      if (completions > takes) this.report.doubleCompletions++;
      if (completions < takes) this.report.pendingAfterClose++;
    }
  }
}

/** Runs one seed; the heartbeat lets the parent see that the event loop turns. */
async function main(): Promise<void> {
  const [seed, calls, mode] = Deno.args;
  let beats = 0;
  const heartbeat = setInterval(() => console.log(JSON.stringify({ beat: ++beats })), 100);
  console.log(JSON.stringify({ beat: 0 }));
  if (mode === "--block") { for (;;) { /* the watchdog's own test: a loop that never yields */ } }
  const run = new FuzzRun(Number(seed));
  const { report } = run;
  globalThis.addEventListener("error", (event) => {
    event.preventDefault();
    if (report.uncaught.length < 10) report.uncaught.push(describe(event.error ?? event.message));
  });
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    if (report.uncaught.length < 10) report.uncaught.push(describe(event.reason));
  });
  onBugCheck((error) => count(report, "queued", error));
  try {
    await run.setUp();
    await run.fuzz(Number(calls));
    await run.tearDown();
  } catch (error) {
    report.exceptions.push(`the run itself failed: ${describe(error)}`);
  }
  clearInterval(heartbeat);
  console.log(JSON.stringify({ report }));
  // Anything still open now is a leak the report cannot name; the exit is not blocked by it.
  Deno.exit(0);
}

if (import.meta.main) await main();
