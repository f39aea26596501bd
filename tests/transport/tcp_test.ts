// Copyright 2026 the wskemu authors. MIT license.
// TCP transport over real loopback sockets. Peers are transport streams,
// Deno.Conn or node:net sockets, so that what the transport claims to send
// (a FIN, an RST) is checked from outside it.
import assert from "node:assert/strict";
import {
  STATUS_ACCESS_DENIED,
  STATUS_ADDRESS_ALREADY_ASSOCIATED,
  STATUS_CANCELLED,
  STATUS_CONNECTION_ABORTED,
  STATUS_CONNECTION_REFUSED,
  STATUS_CONNECTION_RESET,
  STATUS_INVALID_ADDRESS_COMPONENT,
  STATUS_INVALID_DEVICE_STATE,
  STATUS_INVALID_PARAMETER,
  STATUS_SUCCESS,
} from "../../irp/ntstatus.ts";
import { endpoint, tcpTransport } from "../../transport/tcp.ts";
import type { Result, TcpStream } from "../../transport/types.ts";
import { connectTcpWith } from "../../transport/_tcp_connect.ts";
import {
  connectedPair,
  freePort,
  pattern,
  PatternCheck,
  Recorder,
  resettingPeer,
  stalled,
} from "./_tcp_helpers.ts";
import { refusingPort } from "../_ports.ts";

const MiB = 1024 * 1024;

/** Connect the transport to a Deno listener; returns both ends. */
async function toDenoPeer(): Promise<{ stream: TcpStream; peer: Deno.TcpConn; close(): void }> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepting = listener.accept();
  const connected = await tcpTransport.connect({
    remote: endpoint("127.0.0.1", listener.addr.port),
  });
  assert.equal(connected.status, STATUS_SUCCESS);
  const peer = await accepting;
  listener.close();
  const stream = connected.value!;
  return {
    stream,
    peer,
    close() {
      stream.close();
      try {
        peer.close();
      } catch {
        // Already closed by the test.
      }
    },
  };
}

/** Read from a Deno peer until EOF or error: "eof" or the error's class name. */
async function drainDeno(peer: Deno.TcpConn, counter?: { bytes: number }): Promise<string> {
  const buffer = new Uint8Array(64 * 1024);
  try {
    while (true) {
      const n = await peer.read(buffer);
      if (n === null) return "eof";
      if (counter) counter.bytes += n;
    }
  } catch (error) {
    return (error as Error).name;
  }
}

// --- connect -------------------------------------------------------------

Deno.test("tcpTransport.connect() reports STATUS_CONNECTION_REFUSED for a closed port", async () => {
  const { port, release } = await refusingPort();
  const result = await tcpTransport.connect({ remote: endpoint("127.0.0.1", port) });
  release();
  assert.equal(result.status, STATUS_CONNECTION_REFUSED);
  assert.equal(result.value, null);
});

Deno.test("tcpTransport.connect() binds the local port it is given, and the server sees it", async () => {
  const listening = await tcpTransport.listen({ local: endpoint("127.0.0.1", 0) });
  const listener = listening.value!;
  const accepted = Promise.withResolvers<TcpStream>();
  listener.onConnection(accepted.resolve);
  const port = freePort();
  const connected = await tcpTransport.connect({
    remote: listener.localAddress,
    local: endpoint("127.0.0.1", port),
  });
  assert.equal(connected.status, STATUS_SUCCESS);
  const client = connected.value!;
  const server = await accepted.promise;
  assert.deepEqual(client.localAddress, endpoint("127.0.0.1", port));
  assert.deepEqual(server.remoteAddress, endpoint("127.0.0.1", port));
  assert.deepEqual(client.remoteAddress, listener.localAddress);
  client.close();
  server.close();
  listener.close();
});

Deno.test("a connected stream reports its real ends after the peer reset it, though nobody asked before", async () => {
  await using pair = await connectedPair();
  const failed = Promise.withResolvers<number>();
  pair.client.receive({ data: () => true, end: () => {}, error: failed.resolve });
  pair.server.abort();
  assert.equal(await failed.promise, STATUS_CONNECTION_RESET);
  assert.deepEqual(pair.client.localAddress, pair.server.remoteAddress);
  assert.deepEqual(pair.client.remoteAddress, pair.listener.localAddress);
});

Deno.test("a connected stream reports its real ends after its own abort(), though nobody asked before", async () => {
  await using pair = await connectedPair();
  pair.client.abort();
  assert.deepEqual(pair.client.localAddress, pair.server.remoteAddress);
  assert.deepEqual(pair.client.remoteAddress, pair.listener.localAddress);
});

Deno.test("tcpTransport.connect() from a local address with port 0 gets a real port", async () => {
  await using pair = await connectedPair();
  const listener = pair.listener;
  const connected = await tcpTransport.connect({
    remote: listener.localAddress,
    local: endpoint("127.0.0.1", 0),
  });
  assert.equal(connected.status, STATUS_SUCCESS);
  assert.notEqual(connected.value!.localAddress.port, 0);
  connected.value!.close();
});

Deno.test("tcpTransport.connect() reports STATUS_ADDRESS_ALREADY_ASSOCIATED for a local address in use", async () => {
  await using pair = await connectedPair();
  // A listening port, and the port of an established connection.
  for (const local of [pair.listener.localAddress, pair.client.localAddress]) {
    const result = await tcpTransport.connect({ remote: pair.listener.localAddress, local });
    assert.equal(result.status, STATUS_ADDRESS_ALREADY_ASSOCIATED);
    assert.equal(result.value, null);
  }
});

Deno.test("tcpTransport.connect() refuses a non-local bind address", async () => {
  const result = await tcpTransport.connect({
    remote: endpoint("127.0.0.1", 9),
    local: endpoint("192.0.2.1", 0),
  });
  // The kernel says EADDRNOTAVAIL; Deno 2.9.6's node:net reports EINVAL instead.
  assert.ok(
    result.status === STATUS_INVALID_ADDRESS_COMPONENT ||
      result.status === STATUS_INVALID_PARAMETER,
    result.status.toString(16),
  );
  assert.equal(result.value, null);
});

Deno.test("tcpTransport.connect() refuses names and malformed endpoints with STATUS_INVALID_PARAMETER", async () => {
  const bad = [
    { hostname: "localhost", port: 80, family: 4 as const },
    { hostname: "127.0.0.1", port: 80, family: 6 as const },
    { hostname: "::1", port: 80, family: 4 as const },
    { hostname: "127.0.0.1", port: 70000, family: 4 as const },
    { hostname: "127.0.0.1", port: 1.5, family: 4 as const },
  ];
  for (const remote of bad) {
    const result = await tcpTransport.connect({ remote });
    assert.equal(result.status, STATUS_INVALID_PARAMETER, JSON.stringify(remote));
  }
  const local = await tcpTransport.connect({
    remote: endpoint("127.0.0.1", 9),
    local: { hostname: "any", port: 0, family: 4 },
  });
  assert.equal(local.status, STATUS_INVALID_PARAMETER);
});

Deno.test("tcpTransport.connect() with an aborted signal reports STATUS_CANCELLED", async () => {
  const result = await tcpTransport.connect({
    remote: endpoint("127.0.0.1", 9),
    signal: AbortSignal.abort(),
  });
  assert.equal(result.status, STATUS_CANCELLED);
});

Deno.test("tcpTransport.connect() aborted while connecting reports STATUS_CANCELLED", async () => {
  const listening = await tcpTransport.listen({ local: endpoint("127.0.0.1", 0) });
  const listener = listening.value!;
  const controller = new AbortController();
  const connecting = tcpTransport.connect({
    remote: listener.localAddress,
    signal: controller.signal,
  });
  controller.abort();
  const result = await connecting;
  assert.equal(result.status, STATUS_CANCELLED);
  assert.equal(result.value, null);
  listener.close();
});

Deno.test("connectTcpWith() reports once and never inside the call; abort() ends it with STATUS_CANCELLED", async () => {
  const listening = await tcpTransport.listen({ local: endpoint("127.0.0.1", 0) });
  const listener = listening.value!;
  const reports: [string, number][] = [];
  const both = Promise.withResolvers<void>();
  const done = (name: string, result: Result<TcpStream>) => {
    reports.push([name, result.status]);
    result.value?.close();
    if (reports.length === 3) both.resolve();
  };
  const connected = connectTcpWith({ remote: listener.localAddress }, done, "connected");
  const aborted = connectTcpWith({ remote: listener.localAddress }, done, "aborted");
  aborted.abort();
  connectTcpWith({ remote: endpoint("not an address", 1) }, done, "refused");
  assert.deepEqual(reports, [], "nothing reported inside the calls");
  await both.promise;
  connected.abort(); // too late: nothing more is reported
  await Promise.resolve();
  assert.deepEqual(reports.sort(), [
    ["aborted", STATUS_CANCELLED],
    ["connected", STATUS_SUCCESS],
    ["refused", STATUS_INVALID_PARAMETER],
  ]);
  listener.close();
});

Deno.test({
  name: "tcpTransport reports STATUS_ACCESS_DENIED without net permission",
  permissions: { net: ["127.0.0.1:1"] },
  async fn() {
    const connected = await tcpTransport.connect({ remote: endpoint("127.0.0.1", 2) });
    assert.equal(connected.status, STATUS_ACCESS_DENIED);
    // listen is checked before node:net sees it (its own denial would be uncatchable).
    const listening = await tcpTransport.listen({ local: endpoint("127.0.0.1", 0) });
    assert.equal(listening.status, STATUS_ACCESS_DENIED);
    const v6 = await tcpTransport.listen({ local: endpoint("::1", 0) });
    assert.equal(v6.status, STATUS_ACCESS_DENIED);
  },
});

// --- listen --------------------------------------------------------------

Deno.test("tcpTransport.listen() reports STATUS_ADDRESS_ALREADY_ASSOCIATED for a port in use", async () => {
  const first = await tcpTransport.listen({ local: endpoint("127.0.0.1", 0) });
  assert.equal(first.status, STATUS_SUCCESS);
  const second = await tcpTransport.listen({ local: first.value!.localAddress, exclusive: true });
  assert.equal(second.status, STATUS_ADDRESS_ALREADY_ASSOCIATED);
  assert.equal(second.value, null);
  first.value!.close();
});

Deno.test("TcpListener.close() releases the port at once", async () => {
  const first = await tcpTransport.listen({ local: endpoint("127.0.0.1", 0) });
  const local = first.value!.localAddress;
  first.value!.close();
  const again = await tcpTransport.listen({ local });
  assert.equal(again.status, STATUS_SUCCESS);
  assert.deepEqual(again.value!.localAddress, local);
  again.value!.close();
});

Deno.test("tcpTransport.listen() on :: is dual stack: an IPv4 peer appears v4-mapped", async () => {
  const listening = await tcpTransport.listen({ local: endpoint("::", 0) });
  assert.equal(listening.status, STATUS_SUCCESS);
  const listener = listening.value!;
  assert.equal(listener.localAddress.family, 6);
  const accepted = Promise.withResolvers<TcpStream>();
  listener.onConnection(accepted.resolve);
  const connected = await tcpTransport.connect({
    remote: endpoint("127.0.0.1", listener.localAddress.port),
  });
  assert.equal(connected.status, STATUS_SUCCESS);
  const server = await accepted.promise;
  assert.deepEqual(
    server.remoteAddress,
    endpoint("::ffff:127.0.0.1", connected.value!.localAddress.port),
  );
  assert.equal(server.localAddress.hostname, "::ffff:127.0.0.1");
  connected.value!.close();
  server.close();
  listener.close();
});

Deno.test("tcpTransport.listen() on :: with ipv6Only turns IPv4 peers away", async () => {
  const listening = await tcpTransport.listen({ local: endpoint("::", 0), ipv6Only: true });
  assert.equal(listening.status, STATUS_SUCCESS);
  const listener = listening.value!;
  const accepted = Promise.withResolvers<TcpStream>();
  listener.onConnection(accepted.resolve);
  const { port } = listener.localAddress;
  // Deno's node:net drops IPV6_V6ONLY, so the transport resets IPv4 peers at
  // accept (a real IPv6-only socket would refuse them).
  const v4 = await tcpTransport.connect({ remote: endpoint("127.0.0.1", port) });
  if (v4.status === STATUS_SUCCESS) {
    const recorder = new Recorder();
    v4.value!.receive(recorder);
    assert.equal(await recorder.done, STATUS_CONNECTION_RESET);
    v4.value!.close();
  } else {
    assert.ok(
      v4.status === STATUS_CONNECTION_REFUSED || v4.status === STATUS_CONNECTION_RESET,
      v4.status.toString(16),
    );
  }
  const v6 = await tcpTransport.connect({ remote: endpoint("::1", port) });
  assert.equal(v6.status, STATUS_SUCCESS);
  assert.equal((await accepted.promise).remoteAddress.hostname, "::1");
  v6.value!.close();
  (await accepted.promise).close();
  listener.close();
});

Deno.test("TcpListener holds connections that arrive before onConnection() and delivers them in order", async () => {
  const listening = await tcpTransport.listen({ local: endpoint("127.0.0.1", 0) });
  const listener = listening.value!;
  const clients: TcpStream[] = [];
  for (let i = 0; i < 3; i++) {
    const connected = await tcpTransport.connect({ remote: listener.localAddress });
    assert.equal(connected.status, STATUS_SUCCESS);
    clients.push(connected.value!);
  }
  const servers: TcpStream[] = [];
  const all = Promise.withResolvers<void>();
  listener.onConnection((stream) => {
    servers.push(stream);
    if (servers.length === 3) all.resolve();
  });
  // Delivered later, never from inside onConnection().
  assert.equal(servers.length, 0);
  await all.promise;
  assert.deepEqual(
    servers.map((s) => s.remoteAddress.port),
    clients.map((c) => c.localAddress.port),
  );
  for (const stream of [...clients, ...servers]) stream.close();
  listener.close();
});

Deno.test("TcpListener.close() resets connections it still holds", async () => {
  const listening = await tcpTransport.listen({ local: endpoint("127.0.0.1", 0) });
  const listener = listening.value!;
  const connected = await tcpTransport.connect({ remote: listener.localAddress });
  assert.equal(connected.status, STATUS_SUCCESS);
  listener.close();
  const recorder = new Recorder();
  connected.value!.receive(recorder);
  assert.equal(await recorder.done, STATUS_CONNECTION_RESET);
  connected.value!.close();
});

// --- data ----------------------------------------------------------------

Deno.test("TcpStream moves 16 MiB each way at once, byte-exact", async () => {
  await using pair = await connectedPair();
  const size = 16 * MiB;
  const ends = [
    { from: pair.client, to: pair.server, seed: 1 },
    { from: pair.server, to: pair.client, seed: 2 },
  ];
  const checks = ends.map(({ from, to, seed }) => {
    const check = new PatternCheck(seed);
    const recorder = new Recorder(false);
    // Checked inside data(), while the view into the reused buffer is valid.
    recorder.onData = (bytes) => check.next(bytes);
    to.receive(recorder);
    const sending = (async () => {
      const data = pattern(size, seed);
      // Mixed shapes: single chunks, several per write, odd sizes.
      const step = 3 * 65536 + 7;
      for (let offset = 0; offset < size; offset += step) {
        const part = data.subarray(offset, Math.min(size, offset + step));
        const third = Math.floor(part.length / 3);
        const status = await from.write([
          part.subarray(0, third),
          part.subarray(third, third * 2),
          part.subarray(third * 2),
        ]);
        assert.equal(status, STATUS_SUCCESS);
      }
      assert.equal(await from.shutdownWrite(), STATUS_SUCCESS);
    })();
    return { check, recorder, sending };
  });
  for (const { check, recorder, sending } of checks) {
    await sending;
    assert.equal(await recorder.done, "end");
    assert.equal(check.offset, size);
  }
});

Deno.test("Sixteen streams reading at once, all through the one shared buffer, each get exactly their own bytes", async () => {
  const pairs = await Promise.all(Array.from({ length: 8 }, () => connectedPair()));
  try {
    const size = MiB;
    const runs = pairs.flatMap(({ client, server }, index) =>
      [[client, server], [server, client]].map(([from, to], side) => {
        const seed = index * 2 + side;
        // Kept as copies and checked only at the end: a view into the shared
        // buffer kept past data() would show another stream's bytes by then.
        const recorder = new Recorder();
        to.receive(recorder);
        const data = pattern(size, seed);
        const sending = (async () => {
          for (let offset = 0; offset < size; offset += 20_000) {
            const status = await from.write([data.subarray(offset, offset + 20_000)]);
            assert.equal(status, STATUS_SUCCESS);
          }
          assert.equal(await from.shutdownWrite(), STATUS_SUCCESS);
        })();
        return { recorder, sending, data };
      })
    );
    for (const { recorder, sending, data } of runs) {
      await sending;
      assert.equal(await recorder.done, "end");
      assert.deepEqual(recorder.bytes(), data);
    }
  } finally {
    for (const pair of pairs) await pair[Symbol.asyncDispose]();
  }
});

Deno.test("TcpStream over IPv6 loopback carries data both ways", async () => {
  await using pair = await connectedPair("::1");
  assert.equal(pair.client.localAddress.family, 6);
  assert.equal(pair.server.remoteAddress.hostname, "::1");
  const atServer = new Recorder();
  const atClient = new Recorder();
  pair.server.receive(atServer);
  pair.client.receive(atClient);
  assert.equal(await pair.client.write([new TextEncoder().encode("ping")]), STATUS_SUCCESS);
  assert.equal(await pair.client.shutdownWrite(), STATUS_SUCCESS);
  assert.equal(await atServer.done, "end");
  assert.equal(new TextDecoder().decode(atServer.bytes()), "ping");
  assert.equal(await pair.server.write([new TextEncoder().encode("pong")]), STATUS_SUCCESS);
  assert.equal(await pair.server.shutdownWrite(), STATUS_SUCCESS);
  assert.equal(await atClient.done, "end");
  assert.equal(new TextDecoder().decode(atClient.bytes()), "pong");
});

Deno.test("TcpStream.write() keeps order across calls, skips empty chunks and resolves in order", async () => {
  await using pair = await connectedPair();
  const recorder = new Recorder();
  pair.server.receive(recorder);
  const bytes = (...values: number[]) => new Uint8Array(values);
  const order: number[] = [];
  const writes = [
    pair.client.write([bytes(1, 2), bytes(), bytes(3)]),
    pair.client.write([]),
    pair.client.write([bytes()]),
    pair.client.write([bytes(4)]),
    pair.client.write([bytes(5), bytes(6, 7)]),
  ].map((promise, index) => promise.then((status) => (order.push(index), status)));
  assert.deepEqual(await Promise.all(writes), Array(5).fill(STATUS_SUCCESS));
  assert.deepEqual(order, [0, 1, 2, 3, 4]);
  await pair.client.shutdownWrite();
  assert.equal(await recorder.done, "end");
  assert.deepEqual([...recorder.bytes()], [1, 2, 3, 4, 5, 6, 7]);
});

Deno.test("TcpStream.writeWith() reports each write once, in write order, mixed with write(), with its context", async () => {
  await using pair = await connectedPair();
  const recorder = new Recorder();
  pair.server.receive(recorder);
  const settled: [string, number][] = [];
  const done = (context: string, status: number) => settled.push([context, status]);
  const big = pattern(4 * MiB);
  // Whatever the kernel takes at once, the writes settle in the order they were made.
  pair.client.writeWith!([big.subarray(0, 2 * MiB)], done, "first");
  const second = pair.client.write([big.subarray(2 * MiB, 3 * MiB)]).then((status) => {
    settled.push(["second", status]);
  });
  pair.client.writeWith!([big.subarray(3 * MiB)], done, "third");
  await second;
  assert.equal(await pair.client.shutdownWrite(), STATUS_SUCCESS);
  assert.deepEqual(settled, [["first", 0], ["second", 0], ["third", 0]]);
  assert.equal(await recorder.done, "end");
  assert.deepEqual(recorder.bytes(), big);
  // Refused after the shutdown: reported at once, inside the call.
  pair.client.writeWith!([new Uint8Array(1)], done, "late");
  assert.deepEqual(settled.at(-1), ["late", STATUS_INVALID_DEVICE_STATE]);
});

Deno.test("TcpStream.write() refuses a chunk that is not a Uint8Array with STATUS_INVALID_PARAMETER", async () => {
  await using pair = await connectedPair();
  const status = await pair.client.write(["text" as unknown as Uint8Array]);
  assert.equal(status, STATUS_INVALID_PARAMETER);
  assert.equal(await pair.client.write([new Uint8Array(1)]), STATUS_SUCCESS);
});

// --- receive: FIN, RST, backpressure --------------------------------------

Deno.test("TcpStream delivers data then end() once on the peer's FIN, and can still send after it", async () => {
  await using pair = await connectedPair();
  const atClient = new Recorder();
  pair.client.receive(atClient);
  await pair.server.write([new TextEncoder().encode("hello")]);
  assert.equal(await pair.server.shutdownWrite(), STATUS_SUCCESS);
  assert.equal(await atClient.done, "end");
  assert.equal(new TextDecoder().decode(atClient.bytes()), "hello");
  // Half-open: the client's sending side is untouched by the peer's FIN.
  const atServer = new Recorder();
  pair.server.receive(atServer);
  assert.equal(await pair.client.write([new TextEncoder().encode("late")]), STATUS_SUCCESS);
  assert.equal(await pair.client.shutdownWrite(), STATUS_SUCCESS);
  assert.equal(await atServer.done, "end");
  assert.equal(new TextDecoder().decode(atServer.bytes()), "late");
});

Deno.test("TcpStream reports a peer's RST as error(STATUS_CONNECTION_RESET), then refuses writes with it", async () => {
  const peer = await resettingPeer();
  const connected = await tcpTransport.connect({ remote: endpoint("127.0.0.1", peer.port) });
  const stream = connected.value!;
  const recorder = new Recorder();
  stream.receive(recorder);
  assert.equal(await stream.write([new Uint8Array(1)]), STATUS_SUCCESS);
  assert.equal(await recorder.done, STATUS_CONNECTION_RESET);
  assert.equal(await stream.write([new Uint8Array(8)]), STATUS_CONNECTION_RESET);
  assert.equal(await stream.shutdownWrite(), STATUS_CONNECTION_RESET);
  stream.close();
  await peer.close();
});

Deno.test("TcpStream fails a write in flight with the peer's reset, not with node:net's ECANCELED", async () => {
  // The peer resets as soon as bytes reach it, while 32 MiB are still queued
  // here. node:net cancels the queued write (ECANCELED) before it reports
  // ECONNRESET; both the write and the receiver must see the reset.
  const peer = await resettingPeer();
  const stream = (await tcpTransport.connect({ remote: endpoint("127.0.0.1", peer.port) })).value!;
  const recorder = new Recorder(false);
  stream.receive(recorder);
  assert.equal(await stream.write([new Uint8Array(32 * MiB)]), STATUS_CONNECTION_RESET);
  assert.equal(await recorder.done, STATUS_CONNECTION_RESET);
  assert.equal(await stream.write([new Uint8Array(1)]), STATUS_CONNECTION_RESET);
  stream.close();
  await peer.close();
});

Deno.test("TcpStream.receive() after a write met a reset reports the reset", async () => {
  const peer = await resettingPeer();
  const stream = (await tcpTransport.connect({ remote: endpoint("127.0.0.1", peer.port) })).value!;
  assert.equal(await stream.write([new Uint8Array(1)]), STATUS_SUCCESS);
  await peer.reset;
  // The RST is in our kernel by now; a write may still be taken before it is seen.
  let status = STATUS_SUCCESS;
  for (let i = 0; i < 10 && status === STATUS_SUCCESS; i++) {
    status = await stream.write([new Uint8Array(1024)]);
  }
  assert.equal(status, STATUS_CONNECTION_RESET);
  const recorder = new Recorder();
  stream.receive(recorder);
  assert.equal(recorder.outcome, null, "receive() must not call back from inside itself");
  assert.equal(await recorder.done, STATUS_CONNECTION_RESET);
  stream.close();
  await peer.close();
});

Deno.test("TcpStream backpressure: data() returning false stalls the peer; resume() loses nothing", async () => {
  const { stream, peer, close } = await toDenoPeer();
  const size = 32 * MiB;
  const check = new PatternCheck(3);
  const recorder = new Recorder(false);
  let calls = 0;
  recorder.onData = (bytes) => {
    check.next(bytes);
    // Refuse more after the first delivery only.
    if (++calls === 1) recorder.accept = false;
  };
  stream.receive(recorder);
  let written = 0;
  const writing = (async () => {
    const data = pattern(size, 3);
    while (written < size) written += await peer.write(data.subarray(written));
    await peer.closeWrite();
  })();
  await stalled(() => written);
  // One data() call, then nothing: the kernel buffers filled and the peer stopped.
  assert.equal(calls, 1);
  assert.ok(recorder.received <= 64 * 1024, `${recorder.received} bytes while paused`);
  assert.ok(written < size, "the peer's writes should have stalled");
  recorder.accept = true;
  stream.resume();
  await writing;
  assert.equal(await recorder.done, "end");
  assert.equal(check.offset, size);
  close();
});

Deno.test("TcpStream.pause() before receive() defers reading until resume()", async () => {
  await using pair = await connectedPair();
  const recorder = new Recorder();
  pair.server.pause();
  pair.server.receive(recorder);
  await pair.client.write([new Uint8Array([9])]);
  await pair.client.shutdownWrite();
  // Deliveries would need the socket to read: it does not while paused.
  const other = new Recorder();
  pair.client.receive(other);
  await pair.server.shutdownWrite();
  assert.equal(await other.done, "end");
  assert.equal(recorder.received, 0);
  pair.server.resume();
  assert.equal(await recorder.done, "end");
  assert.deepEqual([...recorder.bytes()], [9]);
});

Deno.test("TcpStream.write() stays pending while the peer does not read, and writeQueueSize shows it", async () => {
  const { stream, peer, close } = await toDenoPeer();
  const size = 32 * MiB;
  let settled = false;
  const writing = stream.write([pattern(size)]).then((status) => {
    settled = true;
    return status;
  });
  assert.ok(stream.writeQueueSize > 0);
  await stalled(() => stream.writeQueueSize);
  assert.equal(settled, false);
  assert.ok(stream.writeQueueSize > 0 && stream.writeQueueSize <= size);
  const counter = { bytes: 0 };
  const reading = drainDeno(peer, counter);
  assert.equal(await writing, STATUS_SUCCESS);
  assert.equal(stream.writeQueueSize, 0);
  await stream.shutdownWrite();
  assert.equal(await reading, "eof");
  assert.equal(counter.bytes, size);
  close();
});

// --- shutdown, abort, close -------------------------------------------------

Deno.test("TcpStream.write() after shutdownWrite() reports STATUS_INVALID_DEVICE_STATE", async () => {
  await using pair = await connectedPair();
  const first = pair.client.shutdownWrite();
  assert.equal(
    pair.client.shutdownWrite(),
    first,
    "a second shutdownWrite() is the same operation",
  );
  assert.equal(await pair.client.write([new Uint8Array(1)]), STATUS_INVALID_DEVICE_STATE);
  assert.equal(await first, STATUS_SUCCESS);
});

Deno.test("TcpStream.abort() makes the peer see ECONNRESET and fails pending writes with STATUS_CONNECTION_ABORTED", async () => {
  const { stream, peer, close } = await toDenoPeer();
  const recorder = new Recorder();
  stream.receive(recorder);
  // The peer does not read, so this write stays pending.
  const pending = stream.write([pattern(32 * MiB)]);
  assert.ok(stream.writeQueueSize > 0, "32 MiB cannot leave at once");
  stream.abort();
  assert.equal(await pending, STATUS_CONNECTION_ABORTED);
  assert.equal(await stream.write([new Uint8Array(1)]), STATUS_CONNECTION_ABORTED);
  assert.equal(await stream.shutdownWrite(), STATUS_CONNECTION_ABORTED);
  assert.equal(await drainDeno(peer), "ConnectionReset");
  assert.equal(recorder.outcome, null, "no receiver call after abort()");
  stream.close();
  assert.equal(await stream.write([new Uint8Array(1)]), STATUS_CANCELLED);
  close();
});

Deno.test("TcpStream.abort() inside data() stops all later receiver calls", async () => {
  const { stream, peer, close } = await toDenoPeer();
  const recorder = new Recorder();
  recorder.onData = () => stream.abort();
  stream.receive(recorder);
  const data = pattern(MiB);
  let failure = "";
  try {
    for (let i = 0; i < 64; i++) await peer.write(data);
  } catch (error) {
    failure = (error as Error).name;
  }
  assert.match(failure, /ConnectionReset|BrokenPipe/);
  assert.equal(recorder.chunks.length, 1);
  assert.equal(recorder.outcome, null);
  close();
});

Deno.test("TcpStream.close() without a full disconnect resets the connection", async () => {
  const { stream, peer, close } = await toDenoPeer();
  stream.receive(new Recorder());
  const pending = stream.write([pattern(32 * MiB)]);
  assert.ok(stream.writeQueueSize > 0, "32 MiB cannot leave at once");
  stream.close();
  assert.equal(await pending, STATUS_CANCELLED);
  assert.equal(await drainDeno(peer), "ConnectionReset");
  stream.close(); // a second close is harmless
  close();
});

Deno.test("TcpStream.close() after both FINs is graceful: the peer reads EOF, not a reset", async () => {
  const { stream, peer, close } = await toDenoPeer();
  const recorder = new Recorder();
  stream.receive(recorder);
  await peer.write(new Uint8Array([1, 2, 3]));
  await peer.closeWrite();
  assert.equal(await recorder.done, "end");
  assert.equal(await stream.write([new Uint8Array([4])]), STATUS_SUCCESS);
  assert.equal(await stream.shutdownWrite(), STATUS_SUCCESS);
  stream.close();
  const counter = { bytes: 0 };
  assert.equal(await drainDeno(peer, counter), "eof");
  assert.equal(counter.bytes, 1);
  close();
});

Deno.test("TcpStream.close() stops receiver calls even with data on the way", async () => {
  await using pair = await connectedPair();
  const recorder = new Recorder();
  pair.server.receive(recorder);
  pair.server.close();
  const status = await pair.client.write([pattern(4 * MiB)]);
  // The RST may or may not beat the write into the kernel.
  assert.ok(status === STATUS_SUCCESS || status === STATUS_CONNECTION_RESET);
  const atClient = new Recorder();
  pair.client.receive(atClient);
  assert.equal(await atClient.done, STATUS_CONNECTION_RESET);
  assert.equal(recorder.received, 0);
  assert.equal(recorder.outcome, null);
});

Deno.test("TcpStream options and queries stay harmless after close()", async () => {
  const pair = await connectedPair();
  pair.client.setNoDelay(true);
  pair.client.setKeepAlive(true);
  pair.client.setNoDelay(false);
  pair.client.setKeepAlive(false);
  await pair[Symbol.asyncDispose]();
  pair.client.setNoDelay(true);
  pair.client.setKeepAlive(true);
  pair.client.pause();
  pair.client.resume();
  pair.client.receive(new Recorder());
  pair.client.abort();
  assert.equal(pair.client.writeQueueSize, 0);
  assert.equal(pair.client.localAddress.hostname, "127.0.0.1");
  assert.equal(await pair.client.shutdownWrite(), STATUS_CANCELLED);
});
