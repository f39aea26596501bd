// Copyright 2026 the wskemu authors. MIT license.
// WskCloseSocket with many IRPs pending: every one completes STATUS_CANCELLED,
// in the order it was posted (sends and receives alike), before the close does.
import assert from "node:assert/strict";
import {
  AF_INET,
  ntStatusName,
  STATUS_CANCELLED,
  STATUS_CONNECTION_ABORTED,
  STATUS_PENDING,
  STATUS_SUCCESS,
  WSK_FLAG_STREAM_SOCKET,
  type WSK_PROVIDER_DATAGRAM_DISPATCH,
  type WSK_PROVIDER_STREAM_DISPATCH,
} from "../../mod.ts";
import { IoCancelIrp } from "../../irp/mod.ts";
import {
  addr,
  type Call,
  call,
  listen,
  start,
  TestClient,
  withConnection,
  wskBuf,
} from "../_wsk.ts";

/** More than the loopback path buffers: the first send can never finish while the peer reads nothing. */
const STALLING_SEND = 32 * 1024 * 1024;

Deno.test("close with 50 sends and 50 receives pending cancels all 100 in posting order, then completes", async () => {
  await withConnection(async ({ Socket, d }) => {
    const big = wskBuf(new Uint8Array(STALLING_SEND));
    const small = wskBuf(new Uint8Array(1024));
    const into = wskBuf(new Uint8Array(1024));
    const order: string[] = [];
    const posted: [string, Call][] = [];
    const post = (name: string, pending: Call) => {
      assert.equal(pending.returned, STATUS_PENDING);
      pending.done.then(() => order.push(name));
      posted.push([name, pending]);
    };
    for (let i = 0; i < 50; i++) {
      post(`send ${i}`, start((Irp) => d.WskSend(Socket, i === 0 ? big : small, 0, Irp)));
    }
    for (let i = 0; i < 50; i++) {
      post(`receive ${i}`, start((Irp) => d.WskReceive(Socket, into, 0, Irp)));
    }
    const close = start((Irp) => d.WskCloseSocket(Socket, Irp));
    close.done.then(() => order.push("close"));
    assert.equal((await close.done).Status, STATUS_SUCCESS);
    const statuses = await Promise.all(posted.map(([, pending]) => pending.done));
    for (const [i, c] of statuses.entries()) {
      assert.equal(
        c.Status,
        STATUS_CANCELLED,
        `${posted[i]![0]} completed ${ntStatusName(c.Status)}, not STATUS_CANCELLED`,
      );
    }
    assert.deepEqual(order, [...posted.map(([name]) => name), "close"]);
  });
});

Deno.test("close cancels sends and receives interleaved in the order they were posted", async () => {
  await withConnection(async ({ Socket, d }) => {
    const big = wskBuf(new Uint8Array(STALLING_SEND));
    const into = wskBuf(new Uint8Array(16));
    const order: string[] = [];
    const expected: string[] = [];
    for (let i = 0; i < 20; i++) {
      const name = i % 2 === 0 ? `send ${i}` : `receive ${i}`;
      const pending = start((Irp) =>
        i % 2 === 0 ? d.WskSend(Socket, big, 0, Irp) : d.WskReceive(Socket, into, 0, Irp)
      );
      pending.done.then((c) => order.push(`${name} ${ntStatusName(c.Status)}`));
      expected.push(`${name} ${ntStatusName(STATUS_CANCELLED)}`);
    }
    const close = start((Irp) => d.WskCloseSocket(Socket, Irp));
    await close.done;
    assert.deepEqual(order, expected);
  });
});

Deno.test("cancelling one send in flight aborts the connection: the other IRPs complete STATUS_CONNECTION_ABORTED", async () => {
  await withConnection(async ({ Socket, d }) => {
    const big = wskBuf(new Uint8Array(STALLING_SEND));
    const into = wskBuf(new Uint8Array(16));
    const send = start((Irp) => d.WskSend(Socket, big, 0, Irp));
    const later = start((Irp) => d.WskSend(Socket, big, 0, Irp));
    const receive = start((Irp) => d.WskReceive(Socket, into, 0, Irp));
    // The driver cancels all three in one sweep; only the first one is really cancelled.
    for (const c of [send, later, receive]) IoCancelIrp(c.Irp);
    assert.equal((await send.done).Status, STATUS_CANCELLED);
    assert.equal((await later.done).Status, STATUS_CONNECTION_ABORTED);
    assert.equal((await receive.done).Status, STATUS_CONNECTION_ABORTED);
  });
});

Deno.test("a committed stream socket's close cancels its connection's sends and receives in posting order", async () => {
  const listener = listen();
  const client = new TestClient();
  const Socket = await client.socket(AF_INET, WSK_FLAG_STREAM_SOCKET);
  const d = Socket.Dispatch as WSK_PROVIDER_STREAM_DISPATCH;
  assert.equal(
    (await call((Irp) => d.WskBind(Socket, addr("0.0.0.0", 0), 0, Irp))).Status,
    STATUS_SUCCESS,
  );
  const [connected, peer] = await Promise.all([
    call((Irp) => d.WskConnect(Socket, addr("127.0.0.1", listener.addr.port), 0, Irp)),
    listener.accept(),
  ]);
  assert.equal(connected.Status, STATUS_SUCCESS);
  const big = wskBuf(new Uint8Array(STALLING_SEND));
  const into = wskBuf(new Uint8Array(16));
  const order: string[] = [];
  const expected: string[] = [];
  for (let i = 0; i < 10; i++) {
    const name = i < 5 ? `send ${i}` : `receive ${i}`;
    const pending = start((Irp) =>
      i < 5 ? d.WskSend(Socket, big, 0, Irp) : d.WskReceive(Socket, into, 0, Irp)
    );
    pending.done.then((c) => order.push(`${name} ${ntStatusName(c.Status)}`));
    expected.push(`${name} ${ntStatusName(STATUS_CANCELLED)}`);
  }
  const close = start((Irp) => d.WskCloseSocket(Socket, Irp));
  close.done.then(() => order.push("close"));
  await close.done;
  assert.deepEqual(order, [...expected, "close"]);
  peer.close();
  await client.close();
  listener.close();
});

Deno.test("a datagram socket's close cancels its pending receives in posting order before completing", async () => {
  const client = new TestClient();
  const Socket = await client.boundDatagram();
  const d = Socket.Dispatch as WSK_PROVIDER_DATAGRAM_DISPATCH;
  const into = wskBuf(new Uint8Array(16));
  const order: number[] = [];
  const receives = Array.from({ length: 50 }, (_, i) => {
    const c = start((Irp) => d.WskReceiveFrom(Socket, into, 0, null, null, null, null, Irp));
    c.done.then(() => order.push(i));
    return c;
  });
  await call((Irp) => d.WskCloseSocket(Socket, Irp));
  const statuses = await Promise.all(receives.map((c) => c.done.then((done) => done.Status)));
  assert.deepEqual(statuses, Array(50).fill(STATUS_CANCELLED));
  assert.deepEqual(order, [...order].sort((a, b) => a - b));
  await client.close();
});
