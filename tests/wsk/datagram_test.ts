// Copyright 2026 the wskemu authors. MIT license.
import assert from "node:assert/strict";
import dgram from "node:dgram";
import {
  AF_INET,
  AF_INET6,
  BugCheckError,
  DriverVerifier,
  htons,
  IoAllocateIrp,
  IoCancelIrp,
  IoFreeIrp,
  IPPROTO_IPV6,
  IPPROTO_UDP,
  IPV6_V6ONLY,
  type IRP,
  MmGetSystemAddressForMdlSafe,
  MSG_TRUNC,
  NormalPagePriority,
  NPI_WSK_INTERFACE_ID,
  ntohs,
  type NTSTATUS,
  outstandingMdls,
  SIO_WSK_SET_REMOTE_ADDRESS,
  SIO_WSK_SET_SENDTO_ADDRESS,
  SO_BROADCAST,
  SO_RCVBUF,
  SO_REUSEADDR,
  SO_WSK_EVENT_CALLBACK,
  SOCK_DGRAM,
  type SOCKADDR,
  sockaddr,
  type SOCKADDR_IN,
  type SOCKADDR_IN6,
  sockaddrToString,
  SOL_SOCKET,
  STATUS_ACCESS_DENIED,
  STATUS_ADDRESS_ALREADY_ASSOCIATED,
  STATUS_BUFFER_OVERFLOW,
  STATUS_CANCELLED,
  STATUS_DATA_NOT_ACCEPTED,
  STATUS_INVALID_DEVICE_REQUEST,
  STATUS_INVALID_DEVICE_STATE,
  STATUS_INVALID_PARAMETER,
  STATUS_PENDING,
  STATUS_SUCCESS,
  type WSK_BUF_LIST,
  type WSK_CLIENT_DATAGRAM_DISPATCH,
  type WSK_DATAGRAM_INDICATION,
  WSK_EVENT_DISABLE,
  WSK_EVENT_RECEIVE_FROM,
  WSK_FLAG_AT_DISPATCH_LEVEL,
  WSK_FLAG_DATAGRAM_SOCKET,
  type WSK_PROVIDER_DATAGRAM_DISPATCH,
  type WSK_SOCKET,
  WSK_TRANSPORT_LIST_QUERY,
  WskGetOption,
  WskIoctl,
  WskSetOption,
} from "../../mod.ts";
import type { DatagramSocket } from "../../wsk/_datagram.ts";
import { DATAGRAM_OVERHEAD } from "../../wsk/_datagram_queue.ts";
import { type Call, call, start, TestClient, wskBuf } from "../_wsk.ts";
import { realTransport } from "../../transport/real.ts";
import { createUdpTransport } from "../../transport/udp.ts";

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

/** A real UDP peer over node:dgram that queues what it receives. */
class Peer {
  readonly #socket: dgram.Socket;
  readonly #arrived: { data: Uint8Array; port: number }[] = [];
  #waiter: (() => void) | null = null;
  port = 0;

  private constructor(readonly host: string) {
    this.#socket = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
    this.#socket.on("message", (message: Uint8Array, from: { port: number }) => {
      this.#arrived.push({ data: new Uint8Array(message), port: from.port });
      this.#waiter?.();
    });
  }

  static async open(host = "127.0.0.1"): Promise<Peer> {
    const peer = new Peer(host);
    await new Promise<void>((resolve) => peer.#socket.bind(0, host, () => resolve()));
    peer.port = peer.#socket.address().port;
    return peer;
  }

  get address(): SOCKADDR {
    return sockaddr(this.host, this.port)!;
  }

  send(bytes: Uint8Array, port: number, host = this.host): Promise<void> {
    return new Promise((resolve, reject) =>
      this.#socket.send(bytes, port, host, (error) => error ? reject(error) : resolve())
    );
  }

  async next(): Promise<{ data: Uint8Array; port: number }> {
    while (this.#arrived.length === 0) {
      await new Promise<void>((resolve) => this.#waiter = resolve);
      this.#waiter = null;
    }
    return this.#arrived.shift()!;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }
}

function dispatch(Socket: WSK_SOCKET): WSK_PROVIDER_DATAGRAM_DISPATCH {
  return Socket.Dispatch as WSK_PROVIDER_DATAGRAM_DISPATCH;
}

/** A datagram socket, bound to host:0 unless `bind` is false. */
async function datagramSocket(
  client: TestClient,
  host = "127.0.0.1",
  context: unknown = null,
  events: WSK_CLIENT_DATAGRAM_DISPATCH | null = null,
  bind = true,
): Promise<WSK_SOCKET> {
  const family = host.includes(":") ? AF_INET6 : AF_INET;
  const Socket = await client.socket(
    family,
    WSK_FLAG_DATAGRAM_SOCKET,
    SOCK_DGRAM,
    IPPROTO_UDP,
    context,
    events,
  );
  if (bind) {
    const bound = await call((Irp) => dispatch(Socket).WskBind(Socket, sockaddr(host, 0)!, 0, Irp));
    assert.equal(bound.Status, STATUS_SUCCESS);
  }
  return Socket;
}

async function localPort(Socket: WSK_SOCKET): Promise<number> {
  const Local = {} as SOCKADDR_IN & SOCKADDR_IN6;
  const c = await call((Irp) => dispatch(Socket).WskGetLocalAddress(Socket, Local, Irp));
  assert.equal(c.Status, STATUS_SUCCESS);
  return ntohs(Local.sin_port ?? Local.sin6_port);
}

interface Receive extends Call {
  buffer: Uint8Array;
  RemoteAddress: SOCKADDR;
  ControlLength: { value: number };
  ControlFlags: { value: number };
}

function receiveFrom(Socket: WSK_SOCKET, size = 1500): Receive {
  const buffer = new Uint8Array(size);
  const RemoteAddress = {};
  const ControlLength = { value: 1234 };
  const ControlFlags = { value: 0xdead };
  const c = start((Irp) =>
    dispatch(Socket).WskReceiveFrom(
      Socket,
      wskBuf(buffer),
      0,
      RemoteAddress,
      ControlLength,
      null,
      ControlFlags,
      Irp,
    )
  );
  return { ...c, buffer, RemoteAddress, ControlLength, ControlFlags };
}

function sendTo(Socket: WSK_SOCKET, bytes: Uint8Array, to: SOCKADDR | null) {
  return call((Irp) => dispatch(Socket).WskSendTo(Socket, wskBuf(bytes), 0, to, 0, null, Irp));
}

function setOption(Socket: WSK_SOCKET, Level: number, Code: number, value: number) {
  const input = new Uint8Array(4);
  new DataView(input.buffer).setUint32(0, value, true);
  return call((Irp) =>
    dispatch(Socket).WskControlSocket(
      Socket,
      WskSetOption,
      Code,
      Level,
      4,
      input,
      0,
      null,
      null,
      Irp,
    )
  );
}

function ioctl(Socket: WSK_SOCKET, Code: number, address: SOCKADDR | null, size: number) {
  return call((Irp) =>
    dispatch(Socket).WskControlSocket(Socket, WskIoctl, Code, 0, size, address, 0, null, null, Irp)
  );
}

function enableEvents(Socket: WSK_SOCKET, mask = WSK_EVENT_RECEIVE_FROM): NTSTATUS {
  return dispatch(Socket).WskControlSocket(
    Socket,
    WskSetOption,
    SO_WSK_EVENT_CALLBACK,
    SOL_SOCKET,
    8,
    { NpiId: NPI_WSK_INTERFACE_ID, EventMask: mask },
    0,
    null,
    null,
    null,
  );
}

/** The payloads of an indication list. */
function payloads(head: WSK_DATAGRAM_INDICATION | null): string[] {
  const out: string[] = [];
  for (let d = head; d; d = d.Next) {
    const va = MmGetSystemAddressForMdlSafe(d.Buffer.Mdl!, NormalPagePriority)!;
    out.push(str(va.subarray(d.Buffer.Offset, d.Buffer.Offset + d.Buffer.Length)));
  }
  return out;
}

/** Collects WskReceiveFromEvent calls; `reply` decides each return value. */
class Events {
  readonly calls: { Flags: number; head: WSK_DATAGRAM_INDICATION | null; data: string[] }[] = [];
  #waiter: (() => void) | null = null;
  reply: (head: WSK_DATAGRAM_INDICATION | null) => NTSTATUS = () => STATUS_SUCCESS;
  readonly dispatch: WSK_CLIENT_DATAGRAM_DISPATCH = {
    WskReceiveFromEvent: (_Context, Flags, DataIndication) => {
      this.calls.push({ Flags, head: DataIndication, data: payloads(DataIndication) });
      this.#waiter?.();
      return this.reply(DataIndication);
    },
  };

  /** Resolves once `count` datagrams have been indicated in all. */
  async datagrams(count: number): Promise<string[]> {
    while (this.calls.flatMap((c) => c.data).length < count) {
      await new Promise<void>((resolve) => this.#waiter = resolve);
      this.#waiter = null;
    }
    return this.calls.flatMap((c) => c.data);
  }
}

/** A loopback datagram socket whose WskReceiveFromEvent records into `events`, its port and a peer. */
async function eventSocket(client: TestClient) {
  const peer = await Peer.open();
  const events = new Events();
  const Socket = await datagramSocket(client, "127.0.0.1", null, events.dispatch);
  return { peer, events, Socket, port: await localPort(Socket) };
}

Deno.test("WskSocket(WSK_FLAG_DATAGRAM_SOCKET) has the datagram table with Basic embedded", async () => {
  const client = new TestClient();
  const Socket = await datagramSocket(client, "127.0.0.1", null, null, false);
  const d = dispatch(Socket);
  assert.equal(d.WskCloseSocket, d.Basic.WskCloseSocket);
  assert.equal(d.WskControlSocket, d.Basic.WskControlSocket);
  for (
    const name of [
      "WskBind",
      "WskSendTo",
      "WskReceiveFrom",
      "WskRelease",
      "WskGetLocalAddress",
      "WskSendMessages",
    ] as const
  ) {
    assert.equal(typeof d[name], "function", name);
  }
  assert.ok(Object.isFrozen(d));
  await client.closeSocket(Socket);
  await client.close();
});

Deno.test("WSK_TRANSPORT_LIST_QUERY lists UDP over IPv4 and IPv6", async () => {
  const client = new TestClient();
  const list: { SocketType: number; Protocol: number; AddressFamily: number }[] = [];
  const status = client.npi.Dispatch!.WskControlClient(
    client.npi.Client,
    WSK_TRANSPORT_LIST_QUERY,
    0,
    null,
    28 * 8,
    list,
    { value: 0 },
    null,
  );
  assert.equal(status, STATUS_SUCCESS);
  const udp = list.filter((t) => t.SocketType === SOCK_DGRAM && t.Protocol === IPPROTO_UDP);
  assert.deepEqual(udp.map((t) => t.AddressFamily).sort(), [AF_INET, AF_INET6]);
  await client.close();
});

/**
 * The UDP backends under a WSK client: the default (Deno.listenDatagram, as
 * deno.json enables unstable net), and node:dgram, the fallback, for the
 * sanity tests that run over both.
 */
const BACKENDS: { over: string; client: () => TestClient }[] = [
  { over: "", client: () => new TestClient() },
  {
    over: ", over node:dgram",
    client: () =>
      new TestClient({ ...realTransport, udp: createUdpTransport({ backend: "node" }) }),
  },
];

for (
  const [host, { over, client: newClient }] of ["127.0.0.1", "::1"].flatMap((host) =>
    BACKENDS.map((backend) => [host, backend] as const)
  )
) {
  Deno.test(`WskSendTo and WskReceiveFrom exchange datagrams with a real peer over ${host}${over}`, async () => {
    const client = newClient();
    const peer = await Peer.open(host);
    const Socket = await datagramSocket(client, host);
    const port = await localPort(Socket);

    const r = receiveFrom(Socket);
    assert.equal(r.returned, STATUS_PENDING);
    await peer.send(text("hello from the peer"), port);
    const got = await r.done;
    assert.equal(got.Status, STATUS_SUCCESS);
    assert.equal(got.Information, 19);
    assert.equal(str(r.buffer.subarray(0, 19)), "hello from the peer");
    assert.equal(sockaddrToString(r.RemoteAddress), sockaddrToString(peer.address));
    assert.equal(r.ControlLength.value, 0, "no control information");
    assert.equal(r.ControlFlags.value, 0);

    const sent = await sendTo(Socket, text("hello back"), peer.address);
    assert.deepEqual([sent.returned, sent.Status, sent.Information], [
      STATUS_PENDING,
      STATUS_SUCCESS,
      10,
    ]);
    const echoed = await peer.next();
    assert.equal(str(echoed.data), "hello back");
    assert.equal(echoed.port, port);

    await client.closeSocket(Socket);
    await peer.close();
    await client.close();
  });
}

for (const { over, client: newClient } of BACKENDS) {
  Deno.test(`back-to-back WskSendTo calls leave in the order they were made${over}`, async () => {
    const client = newClient();
    const peer = await Peer.open();
    const Socket = await datagramSocket(client);
    const count = 16;
    const sends = Array.from(
      { length: count },
      (_, i) => sendTo(Socket, text(`#${i}`), peer.address),
    );
    assert.ok((await Promise.all(sends)).every((c) => c.Status === STATUS_SUCCESS));
    const got: string[] = [];
    for (let i = 0; i < count; i++) got.push(str((await peer.next()).data));
    assert.deepEqual(got, Array.from({ length: count }, (_, i) => `#${i}`));
    await client.closeSocket(Socket);
    await peer.close();
    await client.close();
  });

  Deno.test(`WskReceiveFromEvent indicates each datagram once, in order, with its sender${over}`, async () => {
    const client = newClient();
    const peer = await Peer.open();
    const events = new Events();
    const Socket = await datagramSocket(client, "127.0.0.1", null, events.dispatch);
    assert.equal(enableEvents(Socket), STATUS_SUCCESS);
    const port = await localPort(Socket);
    const sent = Array.from({ length: 32 }, (_, i) => `#${i}`);
    for (const value of sent) await peer.send(text(value), port);
    assert.deepEqual(await events.datagrams(sent.length), sent);
    for (const { head } of events.calls) {
      assert.equal(sockaddrToString(head!.RemoteAddress), sockaddrToString(peer.address));
    }
    await client.closeSocket(Socket);
    await peer.close();
    await client.close();
  });
}

Deno.test("an unbound datagram socket refuses sends, receives and WskGetLocalAddress", async () => {
  const client = new TestClient();
  const Socket = await datagramSocket(client, "127.0.0.1", null, null, false);
  const d = dispatch(Socket);
  assert.equal(
    (await call((Irp) => d.WskGetLocalAddress(Socket, {}, Irp))).Status,
    STATUS_INVALID_DEVICE_STATE,
  );
  assert.equal(
    (await sendTo(Socket, text("x"), sockaddr("127.0.0.1", 9)!)).Status,
    STATUS_INVALID_DEVICE_STATE,
  );
  assert.equal((await receiveFrom(Socket).done).Status, STATUS_INVALID_DEVICE_STATE);
  // A NULL IRP is refused synchronously, with nothing completed.
  assert.equal(
    d.WskSendTo(Socket, wskBuf(text("x")), 0, null, 0, null, null),
    STATUS_INVALID_PARAMETER,
  );
  assert.equal(d.WskBind(Socket, sockaddr("127.0.0.1", 0)!, 0, null), STATUS_INVALID_PARAMETER);
  // A SOCKADDR of the other family does not bind.
  assert.equal(
    (await call((Irp) => d.WskBind(Socket, sockaddr("::1", 0)!, 0, Irp))).Status,
    STATUS_INVALID_PARAMETER,
  );
  await client.closeSocket(Socket);
  await client.close();
});

Deno.test("WskBind to a port in use completes STATUS_ADDRESS_ALREADY_ASSOCIATED; SO_REUSEADDR shares it", async () => {
  const client = new TestClient();
  const first = await datagramSocket(client);
  const port = await localPort(first);
  const second = await datagramSocket(client, "127.0.0.1", null, null, false);
  const busy = await call((Irp) =>
    dispatch(second).WskBind(second, sockaddr("127.0.0.1", port)!, 0, Irp)
  );
  assert.equal(busy.Status, STATUS_ADDRESS_ALREADY_ASSOCIATED);
  assert.equal(busy.Information, 0);
  // The failed bind leaves the socket open: it can still bind elsewhere.
  const again = await call((Irp) =>
    dispatch(second).WskBind(second, sockaddr("127.0.0.1", 0)!, 0, Irp)
  );
  assert.equal(again.Status, STATUS_SUCCESS);
  // Binding twice is a state error.
  const twice = await call((Irp) =>
    dispatch(second).WskBind(second, sockaddr("127.0.0.1", 0)!, 0, Irp)
  );
  assert.equal(twice.Status, STATUS_INVALID_DEVICE_STATE);

  const a = await datagramSocket(client, "127.0.0.1", null, null, false);
  const b = await datagramSocket(client, "127.0.0.1", null, null, false);
  assert.equal((await setOption(a, SOL_SOCKET, SO_REUSEADDR, 1)).Status, STATUS_SUCCESS);
  assert.equal((await setOption(b, SOL_SOCKET, SO_REUSEADDR, 1)).Status, STATUS_SUCCESS);
  assert.equal(
    (await call((Irp) => dispatch(a).WskBind(a, sockaddr("127.0.0.1", 0)!, 0, Irp))).Status,
    STATUS_SUCCESS,
  );
  const shared = await call((Irp) => dispatch(b).WskBind(b, sockaddr("127.0.0.1", 0)!, 0, Irp));
  assert.equal(shared.Status, STATUS_SUCCESS);
  const reusedPort = await localPort(a);
  const c = await datagramSocket(client, "127.0.0.1", null, null, false);
  assert.equal((await setOption(c, SOL_SOCKET, SO_REUSEADDR, 1)).Status, STATUS_SUCCESS);
  const joined = await call((Irp) =>
    dispatch(c).WskBind(c, sockaddr("127.0.0.1", reusedPort)!, 0, Irp)
  );
  assert.equal(joined.Status, STATUS_SUCCESS, "a second SO_REUSEADDR socket shares the port");
  // Too late for SO_REUSEADDR once bound.
  assert.equal(
    (await setOption(c, SOL_SOCKET, SO_REUSEADDR, 0)).Status,
    STATUS_INVALID_DEVICE_STATE,
  );

  for (const s of [first, second, a, b, c]) await client.closeSocket(s);
  await client.close();
});

Deno.test("several pending WskReceiveFrom calls each get one whole datagram, in posting order", async () => {
  const client = new TestClient();
  const peer = await Peer.open();
  const Socket = await datagramSocket(client);
  const port = await localPort(Socket);
  const receives = [receiveFrom(Socket), receiveFrom(Socket), receiveFrom(Socket)];
  const order: number[] = [];
  receives.forEach((r, i) => r.done.then(() => order.push(i)));
  for (const word of ["one", "two", "three"]) await peer.send(text(word), port);
  const results = await Promise.all(receives.map((r) => r.done));
  assert.deepEqual(order, [0, 1, 2]);
  assert.deepEqual(results.map((c) => c.Information), [3, 3, 5]);
  assert.deepEqual(
    receives.map((r, i) => str(r.buffer.subarray(0, results[i]!.Information as number))),
    ["one", "two", "three"],
  );
  await client.closeSocket(Socket);
  await peer.close();
  await client.close();
});

Deno.test("a datagram larger than the buffer is truncated: MSG_TRUNC, Information = buffer size, the rest dropped", async () => {
  const client = new TestClient();
  const peer = await Peer.open();
  const Socket = await datagramSocket(client);
  const port = await localPort(Socket);
  const small = receiveFrom(Socket, 4);
  const next = receiveFrom(Socket, 64);
  await peer.send(text("0123456789"), port);
  await peer.send(text("after"), port);
  const cut = await small.done;
  assert.equal(cut.Status, STATUS_SUCCESS);
  assert.equal(cut.Information, 4);
  assert.equal(str(small.buffer), "0123");
  assert.equal(small.ControlFlags.value, MSG_TRUNC);
  const whole = await next.done;
  assert.equal(
    str(next.buffer.subarray(0, whole.Information as number)),
    "after",
    "the truncated tail is gone",
  );
  assert.equal(next.ControlFlags.value, 0);
  await client.closeSocket(Socket);
  await peer.close();
  await client.close();
});

/** Waits (bounded) until `done()` holds; for counters that have no event of their own. */
async function until(done: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
}

/** A datagram socket on 127.0.0.1:0 whose SO_RCVBUF was set to `rcvbuf` before bind. */
async function withReceiveBuffer(
  client: TestClient,
  rcvbuf: number,
  events: WSK_CLIENT_DATAGRAM_DISPATCH | null,
): Promise<WSK_SOCKET> {
  const Socket = await datagramSocket(client, "127.0.0.1", null, events, false);
  assert.equal((await setOption(Socket, SOL_SOCKET, SO_RCVBUF, rcvbuf)).Status, STATUS_SUCCESS);
  assert.equal(
    (await call((Irp) => dispatch(Socket).WskBind(Socket, sockaddr("127.0.0.1", 0)!, 0, Irp)))
      .Status,
    STATUS_SUCCESS,
  );
  return Socket;
}

Deno.test("datagrams nobody receives are queued up to SO_RCVBUF, then dropped (bounded memory)", async () => {
  const client = new TestClient();
  const peer = await Peer.open();
  const rcvbuf = 4096;
  const Socket = await withReceiveBuffer(client, rcvbuf, null);
  const port = await localPort(Socket);
  const receiver = (Socket as unknown as DatagramSocket).receiver;

  const payload = 100, flood = 400;
  const bound = Math.floor(rcvbuf / (payload + DATAGRAM_OVERHEAD));
  for (let i = 0; i < flood; i++) {
    const bytes = new Uint8Array(payload);
    new DataView(bytes.buffer).setUint32(0, i);
    await peer.send(bytes, port);
    // Let the receiving side read now and then, so that the drops are the
    // socket's (the bound under test), not the kernel's under a burst.
    if (i % 16 === 15) await new Promise((r) => setTimeout(r, 0));
  }
  // Every datagram the kernel delivered has been counted once this holds.
  await until(() => receiver.stats.received >= flood);
  assert.ok(receiver.stats.received > bound, `at least ${bound} arrived`);
  assert.equal(receiver.held, bound, "the queue holds exactly what SO_RCVBUF allows");
  assert.ok(receiver.heldBytes <= rcvbuf, "memory stays within SO_RCVBUF");
  assert.equal(receiver.stats.dropped, receiver.stats.received - bound);

  // What is delivered afterwards is at most the bound: the oldest, in order (tail drop).
  const seen: number[] = [];
  for (let i = 0; i < bound; i++) {
    const r = receiveFrom(Socket);
    const c = await r.done;
    assert.equal(c.Information, payload);
    seen.push(new DataView(r.buffer.buffer).getUint32(0));
  }
  assert.deepEqual(seen, [...seen].sort((a, b) => a - b));
  const more = receiveFrom(Socket);
  assert.equal(receiver.held, 0);
  IoCancelIrp(more.Irp);
  assert.equal((await more.done).Status, STATUS_CANCELLED, "nothing beyond the bound was kept");

  await client.closeSocket(Socket);
  await peer.close();
  await client.close();
});

Deno.test("datagrams the client retains count against SO_RCVBUF: past it new ones are dropped until WskRelease", async () => {
  const client = new TestClient();
  const peer = await Peer.open();
  const events = new Events();
  const rcvbuf = 4096;
  const Socket = await withReceiveBuffer(client, rcvbuf, events.dispatch);
  events.reply = () => STATUS_PENDING;
  assert.equal(enableEvents(Socket), STATUS_SUCCESS);
  const port = await localPort(Socket);
  const receiver = (Socket as unknown as DatagramSocket).receiver;

  const payload = 100, flood = 200;
  const bound = Math.floor(rcvbuf / (payload + DATAGRAM_OVERHEAD));
  for (let i = 0; i < flood; i++) {
    await peer.send(new Uint8Array(payload), port);
    if (i % 16 === 15) await new Promise((r) => setTimeout(r, 0));
  }
  await until(() => receiver.stats.received >= flood);
  const indicated = events.calls.flatMap((c) => c.data).length;
  assert.ok(indicated + receiver.held <= bound, `${indicated} retained, ${receiver.held} queued`);
  assert.ok(receiver.heldBytes <= rcvbuf, "retained datagrams are charged to SO_RCVBUF");
  assert.equal(receiver.stats.dropped, receiver.stats.received - indicated - receiver.held);

  // Released lists give their room back: the next datagram is indicated.
  for (const { head } of events.calls.splice(0)) {
    assert.equal(dispatch(Socket).WskRelease(Socket, head), STATUS_SUCCESS);
  }
  events.reply = () => STATUS_SUCCESS;
  await peer.send(text("after release"), port);
  assert.ok((await events.datagrams(1)).includes("after release"));

  await client.closeSocket(Socket);
  await peer.close();
  await client.close();
});

Deno.test("WskReceiveFromEvent: STATUS_PENDING retains the list until WskRelease; STATUS_SUCCESS frees it", async () => {
  const client = new TestClient();
  const peer = await Peer.open();
  const events = new Events();
  const Socket = await datagramSocket(client, "127.0.0.1", "ctx", events.dispatch, false);
  // Datagram sockets accept the event only once bound.
  assert.equal(enableEvents(Socket), STATUS_INVALID_DEVICE_STATE);
  assert.equal(
    (await call((Irp) => dispatch(Socket).WskBind(Socket, sockaddr("127.0.0.1", 0)!, 0, Irp)))
      .Status,
    STATUS_SUCCESS,
  );
  assert.equal(enableEvents(Socket), STATUS_SUCCESS);
  const port = await localPort(Socket);
  const mdlsBefore = outstandingMdls();

  events.reply = () => STATUS_PENDING;
  await peer.send(text("kept"), port);
  assert.deepEqual(await events.datagrams(1), ["kept"]);
  const { head, Flags } = events.calls[0]!;
  assert.ok(Flags & WSK_FLAG_AT_DISPATCH_LEVEL);
  assert.equal(head!.ControlInfo, null);
  assert.equal(head!.ControlInfoLength, 0);
  assert.equal(sockaddrToString(head!.RemoteAddress), sockaddrToString(peer.address));
  assert.equal(outstandingMdls(), mdlsBefore + 1, "the retained datagram keeps its MDL");
  // Still retained: the data is intact after more arrive.
  events.reply = () => STATUS_SUCCESS;
  await peer.send(text("freed"), port);
  assert.deepEqual(await events.datagrams(2), ["kept", "freed"]);
  assert.deepEqual(payloads(head), ["kept"]);
  assert.equal(outstandingMdls(), mdlsBefore + 1, "STATUS_SUCCESS gave its MDL back at once");
  const d = dispatch(Socket);
  assert.equal(d.WskRelease(Socket, head), STATUS_SUCCESS);
  assert.equal(outstandingMdls(), mdlsBefore);
  assert.equal(d.WskRelease(Socket, head), STATUS_INVALID_PARAMETER, "released twice");
  assert.equal(d.WskRelease(Socket, null), STATUS_INVALID_PARAMETER);

  await client.closeSocket(Socket);
  await peer.close();
  await client.close();
});

Deno.test("a pending WskReceiveFrom takes precedence over WskReceiveFromEvent", async () => {
  const client = new TestClient();
  const { peer, events, Socket, port } = await eventSocket(client);
  assert.equal(enableEvents(Socket), STATUS_SUCCESS);
  const r = receiveFrom(Socket);
  await peer.send(text("to the IRP"), port);
  await peer.send(text("to the event"), port);
  const c = await r.done;
  assert.equal(str(r.buffer.subarray(0, c.Information as number)), "to the IRP");
  assert.deepEqual(await events.datagrams(1), ["to the event"]);
  await client.closeSocket(Socket);
  await peer.close();
  await client.close();
});

Deno.test("STATUS_DATA_NOT_ACCEPTED disables a SO_WSK_EVENT_CALLBACK event; re-enabling indicates what waited", async () => {
  const client = new TestClient();
  const { peer, events, Socket, port } = await eventSocket(client);
  assert.equal(enableEvents(Socket), STATUS_SUCCESS);
  events.reply = () => STATUS_DATA_NOT_ACCEPTED;
  await peer.send(text("refused"), port);
  assert.deepEqual(await events.datagrams(1), ["refused"]);
  // Disabled now: the refused datagram waits for a receive.
  const r = receiveFrom(Socket);
  const c = await r.done;
  assert.equal(str(r.buffer.subarray(0, c.Information as number)), "refused");
  // A datagram arriving while disabled waits too, until the event is enabled again.
  const receiver = (Socket as unknown as DatagramSocket).receiver;
  await peer.send(text("waiting"), port);
  await until(() => receiver.held === 1);
  assert.equal(events.calls.length, 1, "no callback while disabled");
  events.reply = () => STATUS_SUCCESS;
  assert.equal(enableEvents(Socket), STATUS_SUCCESS);
  assert.deepEqual(await events.datagrams(2), ["refused", "waiting"]);
  await client.closeSocket(Socket);
  await peer.close();
  await client.close();
});

Deno.test("static WSK_EVENT_RECEIVE_FROM: delivered without SO_WSK_EVENT_CALLBACK, stays on after a refusal", async () => {
  const client = new TestClient();
  assert.equal(
    client.setStaticEvents(WSK_EVENT_RECEIVE_FROM),
    STATUS_SUCCESS,
  );
  const { peer, events, Socket, port } = await eventSocket(client);
  events.reply = () => STATUS_DATA_NOT_ACCEPTED;
  await peer.send(text("first"), port);
  assert.deepEqual(await events.datagrams(1), ["first"]);
  events.reply = () => STATUS_SUCCESS;
  await peer.send(text("second"), port);
  assert.deepEqual(await events.datagrams(2), ["first", "second"], "still enabled");
  // The refused datagram was kept for WskReceiveFrom.
  const r = receiveFrom(Socket);
  const c = await r.done;
  assert.equal(str(r.buffer.subarray(0, c.Information as number)), "first");
  // A static callback cannot be disabled.
  assert.equal(
    enableEvents(Socket, WSK_EVENT_RECEIVE_FROM | WSK_EVENT_DISABLE),
    STATUS_INVALID_DEVICE_REQUEST,
  );
  await client.closeSocket(Socket);
  await peer.close();
  await client.close();
});

Deno.test("no WskReceiveFromEvent runs after WskCloseSocket", async () => {
  const client = new TestClient();
  const { peer, events, Socket, port } = await eventSocket(client);
  const receiver = (Socket as unknown as DatagramSocket).receiver;
  await peer.send(text("queued"), port);
  await until(() => receiver.held === 1);
  // Enabling queues the indication; the close in the same breath must win.
  assert.equal(enableEvents(Socket), STATUS_SUCCESS);
  const closing = start((Irp) => dispatch(Socket).WskCloseSocket(Socket, Irp));
  assert.equal((await closing.done).Status, STATUS_SUCCESS);
  assert.equal(events.calls.length, 0);
  await peer.close();
  await client.close();
});

Deno.test("SIO_WSK_SET_REMOTE_ADDRESS: sends need no address, other senders are filtered, InputSize 0 clears", async () => {
  const client = new TestClient();
  const a = await Peer.open(), b = await Peer.open();
  const unbound = await datagramSocket(client, "127.0.0.1", null, null, false);
  assert.equal(
    (await ioctl(unbound, SIO_WSK_SET_REMOTE_ADDRESS, a.address, 16)).Status,
    STATUS_INVALID_DEVICE_STATE,
  );
  await client.closeSocket(unbound);

  const Socket = await datagramSocket(client);
  const port = await localPort(Socket);
  const d = dispatch(Socket);
  // The IRP is required.
  assert.equal(
    d.WskControlSocket(
      Socket,
      WskIoctl,
      SIO_WSK_SET_REMOTE_ADDRESS,
      0,
      16,
      a.address,
      0,
      null,
      null,
      null,
    ),
    STATUS_INVALID_PARAMETER,
  );
  assert.equal(
    (await ioctl(Socket, SIO_WSK_SET_REMOTE_ADDRESS, a.address, 8)).Status,
    STATUS_INVALID_PARAMETER,
    "InputSize too small",
  );
  assert.equal(
    (await ioctl(Socket, SIO_WSK_SET_REMOTE_ADDRESS, a.address, 16)).Status,
    STATUS_SUCCESS,
  );

  const sent = await sendTo(Socket, text("to the fixed peer"), null);
  assert.equal(sent.Status, STATUS_SUCCESS);
  assert.equal(str((await a.next()).data), "to the fixed peer");

  const r = receiveFrom(Socket);
  await b.send(text("from b: filtered"), port);
  await a.send(text("from a"), port);
  const c = await r.done;
  assert.equal(str(r.buffer.subarray(0, c.Information as number)), "from a");
  assert.equal((Socket as unknown as DatagramSocket).receiver.stats.filtered, 1);

  assert.equal((await ioctl(Socket, SIO_WSK_SET_REMOTE_ADDRESS, null, 0)).Status, STATUS_SUCCESS);
  assert.equal((await sendTo(Socket, text("nowhere"), null)).Status, STATUS_INVALID_PARAMETER);
  const r2 = receiveFrom(Socket);
  await b.send(text("from b again"), port);
  const c2 = await r2.done;
  assert.equal(str(r2.buffer.subarray(0, c2.Information as number)), "from b again");

  await client.closeSocket(Socket);
  await a.close();
  await b.close();
  await client.close();
});

Deno.test("SIO_WSK_SET_SENDTO_ADDRESS fixes the destination only; an explicit RemoteAddress overrides it", async () => {
  const client = new TestClient();
  const a = await Peer.open(), b = await Peer.open();
  const Socket = await datagramSocket(client);
  const port = await localPort(Socket);
  assert.equal(
    (await ioctl(Socket, SIO_WSK_SET_SENDTO_ADDRESS, a.address, 16)).Status,
    STATUS_SUCCESS,
  );
  assert.equal((await sendTo(Socket, text("default"), null)).Status, STATUS_SUCCESS);
  assert.equal(str((await a.next()).data), "default");
  assert.equal((await sendTo(Socket, text("override"), b.address)).Status, STATUS_SUCCESS);
  assert.equal(str((await b.next()).data), "override");
  // Inbound is not filtered.
  const r = receiveFrom(Socket);
  await b.send(text("b may answer"), port);
  const c = await r.done;
  assert.equal(str(r.buffer.subarray(0, c.Information as number)), "b may answer");
  await client.closeSocket(Socket);
  await a.close();
  await b.close();
  await client.close();
});

Deno.test("SO_BROADCAST is off by default, can be set and read back; a broadcast without it is denied", async () => {
  const client = new TestClient();
  const Socket = await datagramSocket(client, "0.0.0.0");
  const get = async () => {
    const out = new Uint8Array(4);
    const c = await call((Irp) =>
      dispatch(Socket).WskControlSocket(
        Socket,
        WskGetOption,
        SO_BROADCAST,
        SOL_SOCKET,
        0,
        null,
        4,
        out,
        null,
        Irp,
      )
    );
    assert.equal(c.Status, STATUS_SUCCESS);
    return new DataView(out.buffer).getUint32(0, true);
  };
  assert.equal(await get(), 0);
  assert.equal(
    (await sendTo(Socket, text("all"), sockaddr("255.255.255.255", 9)!)).Status,
    STATUS_ACCESS_DENIED,
  );
  assert.equal((await setOption(Socket, SOL_SOCKET, SO_BROADCAST, 1)).Status, STATUS_SUCCESS);
  assert.equal(await get(), 1);
  await client.closeSocket(Socket);
  await client.close();
});

Deno.test("IoCancelIrp on a pending WskReceiveFrom completes it STATUS_CANCELLED; no datagram is lost", async () => {
  const client = new TestClient();
  const peer = await Peer.open();
  const Socket = await datagramSocket(client);
  const port = await localPort(Socket);
  const cancelled = receiveFrom(Socket);
  assert.equal(IoCancelIrp(cancelled.Irp), true);
  const c = await cancelled.done;
  assert.deepEqual([c.Status, c.Information], [STATUS_CANCELLED, 0]);
  const r = receiveFrom(Socket);
  await peer.send(text("still here"), port);
  const got = await r.done;
  assert.equal(str(r.buffer.subarray(0, got.Information as number)), "still here");
  await client.closeSocket(Socket);
  await peer.close();
  await client.close();
});

Deno.test("a SOCKADDR_IN a driver hands to every WskReceiveFrom is overwritten in place with each sender, sin_zero zeroed", async () => {
  const client = new TestClient();
  const [one, two] = [await Peer.open(), await Peer.open()];
  const Socket = await datagramSocket(client);
  const port = await localPort(Socket);
  const From = sockaddr("0.0.0.0", 0) as SOCKADDR_IN;
  From.sin_zero.fill(0xee);
  const bytes = new Uint8Array(64);
  const receive = () =>
    call((Irp) =>
      dispatch(Socket).WskReceiveFrom(Socket, wskBuf(bytes), 0, From, null, null, null, Irp)
    );
  for (const peer of [one, two, two, one]) {
    const r = receive();
    await peer.send(text("x"), port);
    assert.equal((await r).Status, STATUS_SUCCESS);
    assert.equal(sockaddrToString(From), sockaddrToString(peer.address));
    assert.deepEqual([...From.sin_zero], [0, 0, 0, 0, 0, 0, 0, 0]);
  }
  // A SOCKADDR_IN6 handed to an AF_INET socket comes back a SOCKADDR_IN, and only that.
  const Six: SOCKADDR = sockaddr("::1", 0)!;
  const r = call((Irp) =>
    dispatch(Socket).WskReceiveFrom(Socket, wskBuf(bytes), 0, Six, null, null, null, Irp)
  );
  await one.send(text("y"), port);
  assert.equal((await r).Status, STATUS_SUCCESS);
  assert.deepEqual(Object.keys(Six).sort(), ["sin_addr", "sin_family", "sin_port", "sin_zero"]);
  assert.equal(sockaddrToString(Six), sockaddrToString(one.address));
  await client.closeSocket(Socket);
  await one.close();
  await two.close();
  await client.close();
});

Deno.test("cancelling a WskReceiveFrom in the middle or at the end of several leaves the others in posting order", async () => {
  const client = new TestClient();
  const peer = await Peer.open();
  const Socket = await datagramSocket(client);
  const port = await localPort(Socket);
  const received = async (r: ReturnType<typeof receiveFrom>) => {
    const got = await r.done;
    return str(r.buffer.subarray(0, got.Information as number));
  };
  const [first, middle, last] = [receiveFrom(Socket), receiveFrom(Socket), receiveFrom(Socket)];
  IoCancelIrp(middle.Irp);
  assert.equal((await middle.done).Status, STATUS_CANCELLED);
  await peer.send(text("a"), port);
  await peer.send(text("b"), port);
  assert.deepEqual([await received(first), await received(last)], ["a", "b"]);
  const [kept, tail] = [receiveFrom(Socket), receiveFrom(Socket)];
  IoCancelIrp(tail.Irp);
  assert.equal((await tail.done).Status, STATUS_CANCELLED);
  await peer.send(text("c"), port);
  assert.equal(await received(kept), "c");
  const after = receiveFrom(Socket);
  await peer.send(text("d"), port);
  assert.equal(await received(after), "d");
  await client.closeSocket(Socket);
  await peer.close();
  await client.close();
});

Deno.test("WskCloseSocket completes pending receives with STATUS_CANCELLED before its own completion", async () => {
  const client = new TestClient();
  const Socket = await datagramSocket(client);
  const order: string[] = [];
  const receives = [receiveFrom(Socket), receiveFrom(Socket)];
  receives.forEach((r, i) =>
    r.done.then((c) =>
      order.push(`receive ${i} ${c.Status === STATUS_CANCELLED ? "cancelled" : c.Status}`)
    )
  );
  const closing = start((Irp) => dispatch(Socket).WskCloseSocket(Socket, Irp));
  assert.equal(closing.returned, STATUS_PENDING);
  closing.done.then((c) => order.push(`close ${c.Status}`));
  await closing.done;
  await Promise.all(receives.map((r) => r.done));
  assert.deepEqual(order, [
    "receive 0 cancelled",
    "receive 1 cancelled",
    `close ${STATUS_SUCCESS}`,
  ]);
  // The closed socket refuses further calls.
  const after = await receiveFrom(Socket).done;
  assert.notEqual(after.Status, STATUS_SUCCESS);
  await client.close();
});

Deno.test("WskSendMessages sends one datagram per WSK_BUF_LIST element; Information is the total", async () => {
  const client = new TestClient();
  const peer = await Peer.open();
  const Socket = await datagramSocket(client);
  const words = ["alpha", "beta", "gamma"];
  let list: WSK_BUF_LIST | null = null;
  for (const word of [...words].reverse()) list = { Next: list, Buffer: wskBuf(text(word)) };
  const c = await call((Irp) =>
    dispatch(Socket).WskSendMessages(Socket, list, 0, peer.address, 0, null, Irp)
  );
  assert.deepEqual([c.Status, c.Information], [STATUS_SUCCESS, 14]);
  for (const word of words) assert.equal(str((await peer.next()).data), word);
  const empty = await call((Irp) =>
    dispatch(Socket).WskSendMessages(Socket, null, 0, peer.address, 0, null, Irp)
  );
  assert.equal(empty.Status, STATUS_INVALID_PARAMETER);
  await client.closeSocket(Socket);
  await peer.close();
  await client.close();
});

Deno.test("an over-size datagram completes STATUS_BUFFER_OVERFLOW with Information 0", async () => {
  const client = new TestClient();
  const peer = await Peer.open();
  const Socket = await datagramSocket(client);
  const c = await sendTo(Socket, new Uint8Array(70_000), peer.address);
  assert.deepEqual([c.Status, c.Information], [STATUS_BUFFER_OVERFLOW, 0]);
  await client.closeSocket(Socket);
  await peer.close();
  await client.close();
});

Deno.test("a WSK_BUF longer than its MDL chain bug checks, as on Windows", async () => {
  const client = new TestClient();
  const peer = await Peer.open();
  const Socket = await datagramSocket(client);
  const Irp: IRP = IoAllocateIrp(1, false)!;
  assert.throws(
    () =>
      dispatch(Socket).WskSendTo(
        Socket,
        wskBuf(new Uint8Array(4), 0, 8),
        0,
        peer.address,
        0,
        null,
        Irp,
      ),
    (e) => e instanceof BugCheckError,
  );
  IoFreeIrp(Irp); // never taken: the bug check came first
  await client.closeSocket(Socket);
  await peer.close();
  await client.close();
});

/** An AF_INET6 datagram socket with IPV6_V6ONLY off, bound to [::]:0. */
async function dualStackSocket(client: TestClient): Promise<WSK_SOCKET> {
  const Socket = await datagramSocket(client, "::", null, null, false);
  assert.equal((await setOption(Socket, IPPROTO_IPV6, IPV6_V6ONLY, 0)).Status, STATUS_SUCCESS);
  assert.equal(
    (await call((Irp) => dispatch(Socket).WskBind(Socket, sockaddr("::", 0)!, 0, Irp))).Status,
    STATUS_SUCCESS,
  );
  return Socket;
}

Deno.test("a dual-stack AF_INET6 socket reports an IPv4 sender as a v4-mapped SOCKADDR_IN6", async () => {
  const client = new TestClient();
  const peer = await Peer.open("127.0.0.1");
  const Socket = await dualStackSocket(client);
  const port = await localPort(Socket);
  const r = receiveFrom(Socket);
  await peer.send(text("v4"), port, "127.0.0.1");
  await r.done;
  assert.equal((r.RemoteAddress as SOCKADDR_IN6).sin6_family, AF_INET6);
  assert.equal(sockaddrToString(r.RemoteAddress), `[::ffff:127.0.0.1]:${peer.port}`);
  // And it answers to that mapped address.
  assert.equal((await sendTo(Socket, text("back"), r.RemoteAddress)).Status, STATUS_SUCCESS);
  assert.equal(str((await peer.next()).data), "back");
  await client.closeSocket(Socket);
  await peer.close();
  await client.close();
});

Deno.test("each datagram's SOCKADDR names its own sender, when senders and families alternate", async () => {
  const client = new TestClient();
  const [a, b, six] = await Promise.all([Peer.open(), Peer.open(), Peer.open("::1")]);
  const Socket = await dualStackSocket(client);
  const port = await localPort(Socket);
  const expected: string[] = [];
  const got: string[] = [];
  for (const peer of [a, a, b, six, six, a]) {
    const r = receiveFrom(Socket);
    await peer.send(text("who"), port);
    await r.done;
    got.push(sockaddrToString(r.RemoteAddress));
    const host = peer.host.includes(":") ? peer.host : `::ffff:${peer.host}`;
    expected.push(`[${host}]:${peer.port}`);
  }
  assert.deepEqual(got, expected);
  await client.closeSocket(Socket);
  await Promise.all([a.close(), b.close(), six.close()]);
  await client.close();
});

Deno.test("WskSendTo reads RemoteAddress at each call: a SOCKADDR the driver reuses and changes goes to each new peer", async () => {
  const client = new TestClient();
  const [a, b] = await Promise.all([Peer.open(), Peer.open()]);
  const Socket = await datagramSocket(client);
  const to = sockaddr("127.0.0.1", a.port)! as SOCKADDR_IN;
  assert.equal((await sendTo(Socket, text("to a"), to)).Status, STATUS_SUCCESS);
  to.sin_port = htons(b.port);
  assert.equal((await sendTo(Socket, text("to b"), to)).Status, STATUS_SUCCESS);
  to.sin_port = htons(a.port);
  assert.equal((await sendTo(Socket, text("a again"), to)).Status, STATUS_SUCCESS);
  assert.deepEqual([str((await a.next()).data), str((await a.next()).data)], ["to a", "a again"]);
  assert.equal(str((await b.next()).data), "to b");
  await client.closeSocket(Socket);
  await Promise.all([a.close(), b.close()]);
  await client.close();
});

Deno.test("under low resources simulation an indication drops the datagrams whose MDL failed and keeps the order of the rest", async () => {
  const client = new TestClient();
  const { peer, events, Socket, port } = await eventSocket(client);
  const receiver = (Socket as unknown as DatagramSocket).receiver;
  // Queued before the event is enabled, so that one indication carries them all.
  const sent = Array.from({ length: 64 }, (_, i) => `#${i}`);
  for (const value of sent) await peer.send(text(value), port);
  await until(() => receiver.held === sent.length);
  const mdlsBefore = outstandingMdls();
  DriverVerifier.lowResourcesProbability = 0.5;
  DriverVerifier.lowResourcesFunctions = ["IoAllocateMdl"];
  try {
    assert.equal(enableEvents(Socket), STATUS_SUCCESS);
    await until(() => receiver.held === 0);
  } finally {
    DriverVerifier.lowResourcesProbability = 0;
    DriverVerifier.lowResourcesFunctions = null;
  }
  const got = events.calls.flatMap((c) => c.data);
  assert.ok(
    got.length > 0 && got.length < sent.length,
    `${got.length} of ${sent.length} indicated`,
  );
  assert.deepEqual(got, sent.filter((value) => got.includes(value)), "in order");
  assert.equal(receiver.stats.dropped, sent.length - got.length);
  assert.equal(outstandingMdls(), mdlsBefore, "every MDL that was made is freed");
  await client.closeSocket(Socket);
  await peer.close();
  await client.close();
});
