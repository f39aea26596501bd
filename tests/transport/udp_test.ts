// Copyright 2026 the wskemu authors. MIT license.
// UDP over real loopback sockets: delivery, order, size limits, the hold
// before `receive`, SO_BROADCAST, address conflicts, permissions and close.
// Every sentence about a socket holds for both backends, so each runs once per
// backend: Deno.listenDatagram (deno.json enables unstable net) and node:dgram.
import assert from "node:assert/strict";
import {
  NT_SUCCESS,
  STATUS_ACCESS_DENIED,
  STATUS_ADDRESS_ALREADY_ASSOCIATED,
  STATUS_BUFFER_OVERFLOW,
  STATUS_FILE_FORCED_CLOSED,
  STATUS_INVALID_ADDRESS_COMPONENT,
  STATUS_INVALID_PARAMETER,
  STATUS_NOT_SUPPORTED,
  STATUS_SUCCESS,
} from "../../irp/ntstatus.ts";
import type { Datagram, Endpoint, UdpSocket, UdpTransport } from "../../transport/types.ts";
import { createUdpTransport, type UdpTransportOptions } from "../../transport/udp.ts";
import { DenoUdpSocket } from "../../transport/_udp_deno_socket.ts";
import { NodeUdpSocket } from "../../transport/_udp_node_socket.ts";
import { isBroadcast } from "../../transport/_udp_broadcast.ts";
import {
  DatagramBacklog,
  DEFAULT_HOLD_BYTES,
  DEFAULT_HOLD_DATAGRAMS,
} from "../../transport/_udp_backlog.ts";

const V4: Endpoint = { hostname: "127.0.0.1", port: 0, family: 4 };
const V6: Endpoint = { hostname: "::1", port: 0, family: 6 };

/** Resolves with the first `count` datagrams `socket` receives, copied. */
function collect(socket: UdpSocket, count: number): Promise<Datagram[]> {
  const got: Datagram[] = [];
  return new Promise((resolve) => {
    socket.receive((datagram) => {
      got.push({ data: datagram.data.slice(), from: datagram.from });
      if (got.length === count) resolve(got);
    });
  });
}

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

Deno.test("the default hold is 256 datagrams or 1 MiB", () => {
  assert.equal(DEFAULT_HOLD_DATAGRAMS, 256);
  assert.equal(DEFAULT_HOLD_BYTES, 1024 * 1024);
  const from: Endpoint = { hostname: "127.0.0.1", port: 9, family: 4 };
  const byCount = new DatagramBacklog(DEFAULT_HOLD_DATAGRAMS, DEFAULT_HOLD_BYTES);
  let held = 0;
  for (let i = 0; i < 300; i++) held += byCount.push({ data: new Uint8Array(1), from }) ? 1 : 0;
  assert.equal(held, 256);
  const byBytes = new DatagramBacklog(DEFAULT_HOLD_DATAGRAMS, DEFAULT_HOLD_BYTES);
  held = 0;
  for (let i = 0; i < 20; i++) held += byBytes.push({ data: new Uint8Array(65507), from }) ? 1 : 0;
  assert.equal(held, 16);
  assert.ok(byBytes.bytes <= DEFAULT_HOLD_BYTES);
});

Deno.test("the backlog keeps copies, bounded by count and bytes, and drops the newest", () => {
  const from: Endpoint = { hostname: "127.0.0.1", port: 9, family: 4 };
  const backlog = new DatagramBacklog(3, 10);
  const shared = new Uint8Array(65536);
  assert.equal(backlog.push({ data: shared.subarray(0, 4), from }), true);
  shared[0] = 99; // the held copy must not see later writes to the receive buffer
  assert.equal(backlog.push({ data: new Uint8Array(4), from }), true);
  assert.equal(backlog.push({ data: new Uint8Array(3), from }), false, "over the byte bound");
  assert.equal(backlog.push({ data: new Uint8Array(2), from }), true);
  assert.equal(backlog.push({ data: new Uint8Array(0), from }), false, "over the count bound");
  assert.equal(backlog.push({ data: new Uint8Array(1), from }, false), true, "unbounded push");
  assert.deepEqual([backlog.length, backlog.bytes], [4, 11]);
  const first = backlog.shift()!;
  assert.equal(first.data.byteLength, 4);
  assert.equal(first.data.buffer.byteLength, 4, "a copy, not a view of the 64 KiB buffer");
  assert.equal(first.data[0], 0);
  backlog.clear();
  assert.deepEqual([backlog.length, backlog.bytes, backlog.shift()], [0, 0, undefined]);
});

Deno.test("an IPv6-only bind is served by node:dgram on the wildcard, by Deno's socket elsewhere", async () => {
  // Deno's socket has no IPv6-only option; only on the wildcard could IPv4 tell.
  const local: Endpoint = { hostname: "::", port: 0, family: 6 };
  const wildcard = await createUdpTransport().bind({ local, ipv6Only: true });
  assert.ok(wildcard.value instanceof NodeUdpSocket);
  wildcard.value.close();
  const loopback = await createUdpTransport().bind({ local: V6, ipv6Only: true });
  assert.ok(loopback.value instanceof DenoUdpSocket);
  loopback.value.close();
});

Deno.test("without --unstable-net every bind goes to node:dgram, and a datagram still arrives", async () => {
  // --no-config leaves out deno.json's unstable net: what a user's `deno run` without the flag gets.
  const script = `
    import { createUdpTransport, udpBackend } from ${
    JSON.stringify(import.meta.resolve("../../transport/udp.ts"))
  };
    const local = { hostname: "127.0.0.1", port: 0, family: 4 };
    const udp = createUdpTransport();
    const [a, b] = [(await udp.bind({ local })).value, (await udp.bind({ local })).value];
    const arrived = new Promise((resolve) => b.receive((d) => resolve(new TextDecoder().decode(d.data))));
    await a.send([new TextEncoder().encode("ping")], b.localAddress);
    console.log(JSON.stringify([udpBackend(), a.constructor.name, await arrived]));
    a.close();
    b.close();
  `;
  const child = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", script],
    stderr: "inherit",
  }).output();
  assert.equal(child.code, 0);
  const seen = JSON.parse(decode(child.stdout));
  assert.deepEqual(seen, ["node:dgram", NodeUdpSocket.name, "ping"]);
});

Deno.test("broadcast destinations: the limited one, loopback's, each local subnet's, v4-mapped too", () => {
  const v4 = (hostname: string): Endpoint => ({ hostname, port: 9, family: 4 });
  assert.ok(isBroadcast(v4("255.255.255.255")));
  assert.ok(isBroadcast(v4("127.255.255.255")));
  assert.ok(isBroadcast({ hostname: "::ffff:127.255.255.255", port: 9, family: 6 }));
  for (const hostname of ["127.0.0.1", "127.255.255.254", "10.255.255.255"]) {
    assert.equal(isBroadcast(v4(hostname)), false, hostname);
  }
  assert.equal(isBroadcast({ hostname: "::1", port: 9, family: 6 }), false);
  // Read only: nothing is sent to these addresses.
  for (const { family, address, netmask } of Deno.networkInterfaces()) {
    if (family !== "IPv4" || netmask === "255.255.255.255" || netmask === "255.255.255.254") {
      continue;
    }
    const octets = (text: string) => text.split(".").map(Number);
    const host = octets(address), mask = octets(netmask);
    const broadcast = host.map((octet, i) => octet | (~mask[i]! & 255)).join(".");
    assert.ok(isBroadcast(v4(broadcast)), `${broadcast}, the broadcast of ${address}/${netmask}`);
  }
});

/** The backends, each with the transport options that select it (the default is Deno's). */
const BACKENDS: {
  name: string;
  options: UdpTransportOptions;
  socket: abstract new (...args: never[]) => UdpSocket;
}[] = [
  { name: "Deno.listenDatagram", options: {}, socket: DenoUdpSocket },
  { name: "node:dgram", options: { backend: "node" }, socket: NodeUdpSocket },
];

for (const backend of BACKENDS) {
  /** A transport of this backend with `options`. */
  const udp = (options: UdpTransportOptions = {}) =>
    createUdpTransport({ ...options, ...backend.options });
  const defaultTransport = udp();
  const test = (name: string, fn: () => Promise<void>) => Deno.test(`${backend.name}: ${name}`, fn);

  const bound = async (
    local: Endpoint,
    options: { reuseAddress?: boolean; ipv6Only?: boolean } = {},
    transport: UdpTransport = defaultTransport,
  ): Promise<UdpSocket> => {
    const result = await transport.bind({ local, ...options });
    assert.equal(result.status, STATUS_SUCCESS);
    return result.value!;
  };

  test("IPv4, IPv6 and dual-stack binds are served by this backend", async () => {
    for (const local of [V4, V6, { hostname: "::", port: 0, family: 6 as const }]) {
      const socket = await bound(local);
      assert.ok(socket instanceof backend.socket);
      socket.close();
    }
  });

  test("a datagram on IPv4 loopback arrives with the sender's address", async () => {
    const receiver = await bound(V4);
    const sender = await bound(V4);
    const arrived = collect(receiver, 1);
    assert.equal(await sender.send([text("ping")], receiver.localAddress), STATUS_SUCCESS);
    const [datagram] = await arrived;
    assert.equal(decode(datagram.data), "ping");
    assert.deepEqual(datagram.from, sender.localAddress);
    assert.equal(receiver.localAddress.family, 4);
    assert.notEqual(receiver.localAddress.port, 0);
    receiver.close();
    sender.close();
  });

  test("a datagram on IPv6 loopback arrives with the sender's address", async () => {
    const receiver = await bound(V6);
    const sender = await bound(V6);
    const arrived = collect(receiver, 1);
    assert.equal(await sender.send([text("ping6")], receiver.localAddress), STATUS_SUCCESS);
    const [datagram] = await arrived;
    assert.equal(decode(datagram.data), "ping6");
    assert.deepEqual(datagram.from, { hostname: "::1", port: sender.localAddress.port, family: 6 });
    receiver.close();
    sender.close();
  });

  test("a dual-stack socket sees an IPv4 peer as v4-mapped and can answer it", async () => {
    const dual = await bound({ hostname: "::", port: 0, family: 6 });
    const peer = await bound(V4);
    const arrived = collect(dual, 1);
    const to: Endpoint = { hostname: "127.0.0.1", port: dual.localAddress.port, family: 4 };
    assert.equal(await peer.send([text("hi")], to), STATUS_SUCCESS);
    const [datagram] = await arrived;
    assert.deepEqual(datagram.from, {
      hostname: "::ffff:127.0.0.1",
      port: peer.localAddress.port,
      family: 6,
    });
    const answer = collect(peer, 1);
    assert.equal(await dual.send([text("back")], datagram.from), STATUS_SUCCESS);
    assert.equal(decode((await answer)[0].data), "back");
    dual.close();
    peer.close();
  });

  test("the chunks of one send arrive as one datagram", async () => {
    const receiver = await bound(V4);
    const sender = await bound(V4);
    const arrived = collect(receiver, 2);
    assert.equal(
      await sender.send([text("ab"), new Uint8Array(0), text("cd")], receiver.localAddress),
      STATUS_SUCCESS,
    );
    assert.equal(await sender.send([], receiver.localAddress), STATUS_SUCCESS);
    const [joined, empty] = await arrived;
    assert.equal(decode(joined.data), "abcd");
    assert.equal(empty.data.byteLength, 0);
    receiver.close();
    sender.close();
  });

  test("many datagrams arrive in order on loopback", async () => {
    const receiver = await bound(V4);
    const sender = await bound(V4);
    const got: string[] = [];
    let window = Promise.withResolvers<void>();
    const windowSize = 25;
    receiver.receive(({ data }) => {
      got.push(decode(data));
      if (got.length % windowSize === 0) window.resolve();
    });
    // A burst of sends from this process starves node:dgram's read loop, and a
    // full kernel buffer drops datagrams, as UDP may; so send a window at a
    // time and wait for it to arrive before the next.
    for (let i = 0; i < 500; i += windowSize) {
      for (let j = i; j < i + windowSize; j++) {
        assert.equal(await sender.send([text(String(j))], receiver.localAddress), STATUS_SUCCESS);
      }
      await window.promise;
      window = Promise.withResolvers<void>();
    }
    assert.deepEqual(got, Array.from({ length: 500 }, (_, i) => String(i)));
    receiver.close();
    sender.close();
  });

  test("65507 bytes fit an IPv4 datagram; 65508 give STATUS_BUFFER_OVERFLOW", async () => {
    const receiver = await bound(V4);
    const sender = await bound(V4);
    const arrived = collect(receiver, 1);
    const largest = new Uint8Array(65507).fill(7);
    assert.equal(await sender.send([largest], receiver.localAddress), STATUS_SUCCESS);
    assert.deepEqual((await arrived)[0].data, largest);
    const over = [new Uint8Array(65000), new Uint8Array(508)];
    const status = await sender.send(over, receiver.localAddress);
    assert.equal(status, STATUS_BUFFER_OVERFLOW);
    assert.equal(NT_SUCCESS(status), false);
    receiver.close();
    sender.close();
  });

  test("65527 bytes fit an IPv6 datagram; 65528 give STATUS_BUFFER_OVERFLOW", async () => {
    const receiver = await bound(V6);
    const sender = await bound(V6);
    const arrived = collect(receiver, 1);
    assert.equal(await sender.send([new Uint8Array(65527)], receiver.localAddress), STATUS_SUCCESS);
    assert.equal((await arrived)[0].data.byteLength, 65527);
    assert.equal(
      await sender.send([new Uint8Array(65528)], receiver.localAddress),
      STATUS_BUFFER_OVERFLOW,
    );
    receiver.close();
    sender.close();
  });

  test("datagrams sent before receive are held up to the bound, the rest dropped", async () => {
    // A bound well under what the kernel buffers, so every datagram reaches the
    // hold and the drop count is exact.
    const limit = 16;
    const sent = 40;
    let dropped = 0;
    const allDropped = Promise.withResolvers<void>();
    const transport = udp({
      holdDatagrams: limit,
      onDrop: () => {
        if (++dropped === sent - limit) allDropped.resolve();
      },
    });
    const receiver = await bound(V4, {}, transport);
    const sender = await bound(V4);
    for (let i = 0; i < sent; i++) {
      assert.equal(await sender.send([text(String(i))], receiver.localAddress), STATUS_SUCCESS);
    }
    // Tail drop: the last datagrams are the dropped ones, so once they are all
    // counted every datagram has been read from the kernel.
    await allDropped.promise;
    const got: string[] = [];
    const sentinel = Promise.withResolvers<void>();
    receiver.receive(({ data }) => {
      const value = decode(data);
      if (value === "sentinel") sentinel.resolve();
      else got.push(value);
    });
    assert.equal(await sender.send([text("sentinel")], receiver.localAddress), STATUS_SUCCESS);
    await sentinel.promise;
    assert.deepEqual(got, Array.from({ length: limit }, (_, i) => String(i)));
    assert.equal(dropped, sent - limit);
    receiver.close();
    sender.close();
  });

  test("the hold is bounded by bytes too", async () => {
    let dropDone!: (size: number) => void;
    const drop = new Promise<number>((resolve) => dropDone = resolve);
    const transport = udp({
      holdBytes: 1000,
      onDrop: ({ data }) => dropDone(data.byteLength),
    });
    const receiver = await bound(V4, {}, transport);
    const sender = await bound(V4);
    for (const size of [400, 400, 401]) {
      assert.equal(
        await sender.send([new Uint8Array(size)], receiver.localAddress),
        STATUS_SUCCESS,
      );
    }
    assert.equal(await drop, 401);
    const held = await collect(receiver, 2);
    assert.deepEqual(held.map(({ data }) => data.byteLength), [400, 400]);
    receiver.close();
    sender.close();
  });

  test("held datagrams are delivered after receive returns, before later ones", async () => {
    let heldAll!: () => void;
    const full = new Promise<void>((resolve) => heldAll = resolve);
    const transport = udp({ holdDatagrams: 2, onDrop: () => heldAll() });
    const receiver = await bound(V4, {}, transport);
    const sender = await bound(V4);
    for (const value of ["a", "b", "dropped"]) {
      assert.equal(await sender.send([text(value)], receiver.localAddress), STATUS_SUCCESS);
    }
    await full;
    const got: string[] = [];
    let done!: () => void;
    const three = new Promise<void>((resolve) => done = resolve);
    receiver.receive(({ data }) => {
      got.push(decode(data));
      if (got.length === 3) done();
    });
    assert.deepEqual(got, [], "nothing is delivered inside receive()");
    assert.equal(await sender.send([text("c")], receiver.localAddress), STATUS_SUCCESS);
    await three;
    assert.deepEqual(got, ["a", "b", "c"]);
    receiver.close();
    sender.close();
  });

  test("broadcasts need SO_BROADCAST", async () => {
    const receiver = await bound({ hostname: "0.0.0.0", port: 0, family: 4 });
    const sender = await bound(V4);
    const port = receiver.localAddress.port;
    const limited: Endpoint = { hostname: "255.255.255.255", port, family: 4 };
    const loopbackBroadcast: Endpoint = { hostname: "127.255.255.255", port, family: 4 };
    assert.equal(await sender.send([text("no")], limited), STATUS_ACCESS_DENIED);
    assert.equal(await sender.send([text("no")], loopbackBroadcast), STATUS_ACCESS_DENIED);
    sender.setBroadcast(true);
    const arrived = collect(receiver, 1);
    assert.equal(await sender.send([text("all")], loopbackBroadcast), STATUS_SUCCESS);
    assert.equal(decode((await arrived)[0].data), "all");
    sender.setBroadcast(false);
    assert.equal(await sender.send([text("no")], limited), STATUS_ACCESS_DENIED);
    receiver.close();
    sender.close();
  });

  test("binding a port in use gives STATUS_ADDRESS_ALREADY_ASSOCIATED", async () => {
    const first = await bound(V4);
    const second = await defaultTransport.bind({ local: first.localAddress });
    assert.deepEqual(second, { status: STATUS_ADDRESS_ALREADY_ASSOCIATED, value: null });
    first.close();
  });

  test("reuseAddress on both sockets lets them share a port", async () => {
    const first = await bound(V4, { reuseAddress: true });
    const second = await bound(first.localAddress, { reuseAddress: true });
    assert.equal(second.localAddress.port, first.localAddress.port);
    first.close();
    second.close();
  });

  test("close releases the port and makes the socket inert", async () => {
    const socket = await bound(V4);
    const local = socket.localAddress;
    socket.close();
    socket.close();
    socket.setBroadcast(true);
    socket.receive(() => assert.fail("a closed socket delivers nothing"));
    assert.equal(await socket.send([text("x")], local), STATUS_FILE_FORCED_CLOSED);
    const again = await bound(local);
    assert.equal(again.localAddress.port, local.port);
    again.close();
  });

  test("closing with datagrams held drops them", async () => {
    let held!: () => void;
    const full = new Promise<void>((resolve) => held = resolve);
    const transport = udp({ holdDatagrams: 1, onDrop: () => held() });
    const receiver = await bound(V4, {}, transport);
    const sender = await bound(V4);
    await sender.send([text("1")], receiver.localAddress);
    await sender.send([text("2")], receiver.localAddress);
    await full;
    receiver.close();
    receiver.receive(() => assert.fail("held datagrams were dropped at close"));
    sender.close();
  });

  test("bad endpoints are refused before reaching the socket", async () => {
    const named = await defaultTransport.bind({
      local: { hostname: "localhost", port: 0, family: 4 },
    });
    assert.deepEqual(named, { status: STATUS_INVALID_PARAMETER, value: null });
    const wrongFamily = await defaultTransport.bind({
      local: { hostname: "::1", port: 0, family: 4 },
    });
    assert.equal(wrongFamily.status, STATUS_INVALID_PARAMETER);
    const badPort = await defaultTransport.bind({
      local: { hostname: "127.0.0.1", port: 70000, family: 4 },
    });
    assert.equal(badPort.status, STATUS_INVALID_PARAMETER);

    const v4 = await bound(V4);
    const port = v4.localAddress.port;
    const data = [text("x")];
    assert.equal(
      await v4.send(data, { hostname: "localhost", port, family: 4 }),
      STATUS_INVALID_PARAMETER,
    );
    assert.equal(
      await v4.send(data, { hostname: "127.0.0.1", port: 0, family: 4 }),
      STATUS_INVALID_ADDRESS_COMPONENT,
    );
    assert.equal(await v4.send(data, { hostname: "::1", port, family: 6 }), STATUS_NOT_SUPPORTED);

    for (const local of [{ hostname: "::", port: 0, family: 6 as const }, V6]) {
      const v6only = await bound(local, { ipv6Only: true });
      assert.equal(
        await v6only.send(data, { hostname: "127.0.0.1", port, family: 4 }),
        STATUS_NOT_SUPPORTED,
      );
      assert.equal(
        await v6only.send(data, { hostname: "::ffff:127.0.0.1", port, family: 6 }),
        STATUS_NOT_SUPPORTED,
      );
      v6only.close();
    }
    v4.close();
  });

  test("a receiver that throws is reported as an uncaught error and delivery goes on", async () => {
    const receiver = await bound(V4);
    const sender = await bound(V4);
    const reported: unknown[] = [];
    const onError = (event: ErrorEvent) => {
      event.preventDefault();
      reported.push(event.error);
    };
    globalThis.addEventListener("error", onError);
    const got: string[] = [];
    let second!: () => void;
    const done = new Promise<void>((resolve) => second = resolve);
    receiver.receive(({ data }) => {
      const value = decode(data);
      got.push(value);
      if (value === "boom") throw new Error("receiver bug");
      second();
    });
    await sender.send([text("boom")], receiver.localAddress);
    await sender.send([text("fine")], receiver.localAddress);
    await done;
    globalThis.removeEventListener("error", onError);
    assert.deepEqual(got, ["boom", "fine"]);
    assert.equal((reported[0] as Error).message, "receiver bug");
    receiver.close();
    sender.close();
  });

  Deno.test({
    name: `${backend.name}: a send to a host the program may not reach gives STATUS_ACCESS_DENIED`,
    permissions: { net: ["127.0.0.1"] },
    async fn() {
      const socket = await bound(V4);
      const elsewhere: Endpoint = { hostname: "127.0.0.2", port: 9, family: 4 };
      assert.equal(await socket.send([text("no")], elsewhere), STATUS_ACCESS_DENIED);
      assert.equal(await socket.send([text("yes")], socket.localAddress), STATUS_SUCCESS);
      socket.close();
    },
  });

  Deno.test({
    name: `${backend.name}: a bind without net permission gives STATUS_ACCESS_DENIED`,
    permissions: { net: false },
    async fn() {
      const result = await defaultTransport.bind({ local: V4 });
      assert.deepEqual(result, { status: STATUS_ACCESS_DENIED, value: null });
    },
  });
}
