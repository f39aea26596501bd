// Copyright 2026 the wskemu authors. MIT license.
// Bulk transfer, ordering, flow control and permissions on real TCP peers.
import assert from "node:assert/strict";
import {
  AF_INET,
  IoAllocateMdl,
  IoCancelIrp,
  IPPROTO_TCP,
  MmBuildMdlForNonPagedPool,
  queueDpc,
  SOCK_STREAM,
  type SOCKADDR_IN,
  sockaddrToString,
  STATUS_ACCESS_DENIED,
  STATUS_CANCELLED,
  STATUS_CONNECTION_ABORTED,
  STATUS_SUCCESS,
  WSK_FLAG_ABORTIVE,
  WSK_FLAG_WAITALL,
  type WSK_SOCKET,
} from "../../mod.ts";
import {
  addr,
  type Call,
  call,
  connDispatch,
  listen,
  randomBytes,
  readExactly,
  sha256,
  start,
  TestClient,
  withConnection,
  writeAll,
  wskBuf,
} from "../_wsk.ts";
import type { ConnectionSocket } from "../../wsk/_connection.ts";
import { receiveBacklog } from "./_connected.ts";

Deno.test("8 outstanding sends and 8 outstanding receives complete in posting order, bytes in order", () =>
  withConnection(async ({ Socket, peer, d }) => {
    const order: string[] = [];
    const sends = Array.from(
      { length: 8 },
      (_, i) =>
        start((Irp) => d.WskSend(Socket, wskBuf(new Uint8Array(1000).fill(i)), 0, Irp)).done.then(
          (c) => {
            order.push(`send ${i}`);
            return c;
          },
        ),
    );
    const echoed = await readExactly(peer, 8000);
    for (let i = 0; i < 8; i++) {
      assert.ok(echoed.subarray(i * 1000, (i + 1) * 1000).every((b) => b === i));
    }
    await Promise.all(sends);
    const buffers = Array.from({ length: 8 }, () => new Uint8Array(100));
    const receives = buffers.map((b, i) =>
      start((Irp) => d.WskReceive(Socket, wskBuf(b), WSK_FLAG_WAITALL, Irp)).done.then((c) => {
        order.push(`receive ${i}`);
        return c;
      })
    );
    await writeAll(peer, new Uint8Array(800).map((_, i) => Math.floor(i / 100)));
    await Promise.all(receives);
    buffers.forEach((b, i) =>
      assert.ok(b.every((x) => x === i), `receive ${i} got its own 100 bytes`)
    );
    assert.deepEqual(order, [
      ...Array.from({ length: 8 }, (_, i) => `send ${i}`),
      ...Array.from({ length: 8 }, (_, i) => `receive ${i}`),
    ]);
  }));

/** Issues `send(i)` for each i from its own DPC, all queued at once: later routines wait behind each. */
function sendsFromDpcs(count: number, send: (i: number) => Call): Promise<Call[]> {
  const calls: Call[] = [];
  const { promise, resolve } = Promise.withResolvers<Call[]>();
  for (let i = 0; i < count; i++) {
    queueDpc(() => {
      calls.push(send(i));
      if (calls.length === count) resolve(calls);
    });
  }
  return promise;
}

Deno.test("sends issued while other completion work waits complete in order, each with its own byte count, bytes in order", () =>
  withConnection(async ({ Socket, peer, d }) => {
    // Past 256 KiB gathered, the gather is written at once and a new one starts.
    const sizes = [1, 700, 1024, 200 * 1024, 3, 300 * 1024, 4096, 1500, 9, 2048];
    const calls = await sendsFromDpcs(
      sizes.length,
      (i) => start((Irp) => d.WskSend(Socket, wskBuf(new Uint8Array(sizes[i]).fill(i)), 0, Irp)),
    );
    const total = sizes.reduce((a, b) => a + b, 0);
    const received = readExactly(peer, total);
    const order: number[] = [];
    const completions = await Promise.all(
      calls.map((c, i) => c.done.then((done) => (order.push(i), done))),
    );
    assert.deepEqual(order, sizes.map((_, i) => i));
    assert.deepEqual(
      completions.map((c) => [c.Status, c.Information]),
      sizes.map((n) => [STATUS_SUCCESS, n]),
    );
    const got = await received;
    let at = 0;
    sizes.forEach((n, i) => {
      assert.ok(got.subarray(at, at + n).every((b) => b === i), `send ${i}'s bytes in place`);
      at += n;
    });
  }));

Deno.test("an abortive disconnect while sends wait to be written completes each of them once, in order, aborted", () =>
  withConnection(async ({ Socket, d }) => {
    let disconnect: Promise<unknown> | null = null;
    const calls = await sendsFromDpcs(5, (i) => {
      const sent = start((Irp) => d.WskSend(Socket, wskBuf(new Uint8Array(100)), 0, Irp));
      if (i === 4) {
        disconnect = call((Irp) => d.WskDisconnect(Socket, null, WSK_FLAG_ABORTIVE, Irp));
      }
      return sent;
    });
    const order: number[] = [];
    const completions = await Promise.all(
      calls.map((c, i) => c.done.then((done) => (order.push(i), done))),
    );
    await disconnect;
    assert.deepEqual(order, [0, 1, 2, 3, 4]);
    assert.deepEqual(
      completions.map((c) => [c.Status, c.Information]),
      calls.map(() => [STATUS_CONNECTION_ABORTED, 0]),
    );
  }));

Deno.test("cancelling one of several sends waiting to be written aborts them all, each completing once, in order", () =>
  withConnection(async ({ Socket, d }) => {
    const calls = await sendsFromDpcs(4, (i) => {
      const sent = start((Irp) => d.WskSend(Socket, wskBuf(new Uint8Array(100)), 0, Irp));
      if (i === 3) IoCancelIrp(sent.Irp);
      return sent;
    });
    const order: number[] = [];
    const completions = await Promise.all(
      calls.map((c, i) => c.done.then((done) => (order.push(i), done))),
    );
    assert.deepEqual(order, [0, 1, 2, 3]);
    // The cancel aborts the connection; the cancelled send itself completes STATUS_CANCELLED.
    assert.deepEqual(completions.map((c) => c.Status), [
      STATUS_CONNECTION_ABORTED,
      STATUS_CONNECTION_ABORTED,
      STATUS_CONNECTION_ABORTED,
      STATUS_CANCELLED,
    ]);
  }));

Deno.test("a 64 MiB transfer is byte-exact both ways (SHA-256), with chained MDLs on the send side", async () => {
  const size = 64 * 1024 * 1024;
  const listener = listen();
  const client = new TestClient();
  const [Socket, peer] = await Promise.all([
    client.connected("127.0.0.1", listener.addr.port),
    listener.accept(),
  ]);
  const d = connDispatch(Socket);
  const outbound = randomBytes(size, 7), inbound = randomBytes(size, 11);

  // WSK → peer: 1 MiB sends, each a chain of two MDLs split at an odd offset.
  const peerGot = new Uint8Array(size);
  const peerReads = (async () => {
    let at = 0;
    while (at < size) at += (await peer.read(peerGot.subarray(at)))!;
  })();
  for (let at = 0; at < size; at += 1 << 20) {
    const part = outbound.subarray(at, at + (1 << 20));
    const first = IoAllocateMdl(part.subarray(0, 333_333), 333_333, false, false, null)!;
    const second = IoAllocateMdl(
      part.subarray(333_333),
      part.length - 333_333,
      false,
      false,
      null,
    )!;
    MmBuildMdlForNonPagedPool(first);
    MmBuildMdlForNonPagedPool(second);
    first.Next = second;
    const c = await call((Irp) =>
      d.WskSend(Socket, { Mdl: first, Offset: 0, Length: part.length }, 0, Irp)
    );
    assert.deepEqual([c.Status, c.Information], [STATUS_SUCCESS, part.length]);
  }
  await peerReads;
  assert.equal(await sha256(peerGot), await sha256(outbound));

  // peer → WSK: 256 KiB WAITALL receives.
  const got = new Uint8Array(size);
  const peerWrites = writeAll(peer, inbound);
  for (let at = 0; at < size; at += 256 * 1024) {
    const c = await call((Irp) =>
      d.WskReceive(Socket, wskBuf(got, at, 256 * 1024), WSK_FLAG_WAITALL, Irp)
    );
    assert.deepEqual([c.Status, c.Information], [STATUS_SUCCESS, 256 * 1024]);
  }
  await peerWrites;
  assert.equal(await sha256(got), await sha256(inbound));
  peer.close();
  await client.closeSocket(Socket);
  await client.close();
  listener.close();
});

Deno.test("a peer flooding a socket with no receive posted is held back by TCP, not buffered without bound", () =>
  withConnection(async ({ Socket, peer, d }) => {
    const total = 64 * 1024 * 1024;
    let written = 0;
    const writer = (async () => {
      const chunk = new Uint8Array(1024 * 1024);
      while (written < total) {
        written += await peer.write(chunk.subarray(0, Math.min(chunk.length, total - written)));
      }
    })();
    // WSK stops reading once its buffer reaches the bound; nothing signals
    // that, so the backlog is polled for it, with a deadline.
    const bound = (Socket as unknown as ConnectionSocket).receiveLimit;
    const deadline = Date.now() + 10_000;
    let backlog = await receiveBacklog(Socket);
    for (; backlog < bound; backlog = await receiveBacklog(Socket)) {
      assert.ok(Date.now() < deadline, `the backlog stopped at ${backlog} of ${bound} bytes`);
      await new Promise((r) => setTimeout(r, 5));
    }
    // Held at the bound: the kernel buffers fill next, and the peer cannot
    // get its 64 MiB out while nothing is received.
    assert.ok(backlog <= 1024 * 1024, `wskemu buffered ${backlog} bytes`);
    assert.ok(written < total, `the peer got all ${written} bytes out`);
    // Draining resumes the flow and every byte arrives.
    const buffer = new Uint8Array(1024 * 1024);
    let received = 0;
    while (received < total) {
      const c = await call((Irp) => d.WskReceive(Socket, wskBuf(buffer), 0, Irp));
      received += c.Information as number;
    }
    await writer;
    assert.equal(received, total);
  }));

Deno.test({
  name: "a connect the Deno permissions deny completes with STATUS_ACCESS_DENIED",
  permissions: { net: ["127.0.0.1:1"] },
  async fn() {
    const client = new TestClient();
    const Socket = await client.socket();
    const d = connDispatch(Socket);
    await call((Irp) => d.WskBind(Socket, addr("0.0.0.0", 0), 0, Irp));
    const c = await call((Irp) => d.WskConnect(Socket, addr("127.0.0.1", 9), 0, Irp));
    assert.equal(c.Status, STATUS_ACCESS_DENIED);
    await client.closeSocket(Socket);
    await client.close();
  },
});

Deno.test("WskSocketConnect() creates, binds and connects in one call", async () => {
  const listener = listen();
  const client = new TestClient();
  const [c, peer] = await Promise.all([
    call((Irp) =>
      client.npi.Dispatch!.WskSocketConnect(
        client.npi.Client,
        SOCK_STREAM,
        IPPROTO_TCP,
        addr("127.0.0.1", 0),
        addr("127.0.0.1", listener.addr.port),
        0,
        null,
        null,
        null,
        null,
        null,
        Irp,
      )
    ),
    listener.accept(),
  ]);
  assert.equal(c.Status, STATUS_SUCCESS);
  const Socket = c.Information as WSK_SOCKET;
  const remote = {} as SOCKADDR_IN;
  await call((Irp) => connDispatch(Socket).WskGetRemoteAddress(Socket, remote, Irp));
  assert.equal(sockaddrToString(remote), `127.0.0.1:${listener.addr.port}`);
  assert.equal(remote.sin_family, AF_INET);
  peer.close();
  await client.closeSocket(Socket);
  await client.close();
  listener.close();
});
