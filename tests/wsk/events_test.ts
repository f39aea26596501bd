// Copyright 2026 the wskemu authors. MIT license.
import assert from "node:assert/strict";
import net from "node:net";
import {
  DISPATCH_LEVEL,
  KeGetCurrentIrql,
  SIO_WSK_QUERY_IDEAL_SEND_BACKLOG,
  STATUS_DATA_NOT_ACCEPTED,
  STATUS_INVALID_DEVICE_STATE,
  STATUS_PENDING,
  STATUS_REQUEST_NOT_ACCEPTED,
  STATUS_SUCCESS,
  STATUS_UNEXPECTED_NETWORK_ERROR,
  STATUS_UNSUCCESSFUL,
  type WSK_CLIENT_LISTEN_DISPATCH,
  type WSK_DATA_INDICATION,
  WSK_EVENT_ACCEPT,
  WSK_EVENT_DISABLE,
  WSK_EVENT_DISCONNECT,
  WSK_EVENT_RECEIVE,
  WSK_EVENT_SEND_BACKLOG,
  WSK_FLAG_ABORTIVE,
  type WSK_SOCKET,
  WskIoctl,
} from "../../mod.ts";
import type { ConnectionSocket } from "../../wsk/_connection.ts";
import { FaultTransport } from "../../testing/mod.ts";
import {
  call,
  connDispatch,
  enableEvents,
  listening,
  readAll,
  start,
  TestClient,
  writeAll,
  wskBuf,
} from "../_wsk.ts";
import { within } from "../reliability/_fuzz.ts";
import { bytesOf, connectedWithEvents, receiveBacklog } from "./_connected.ts";

const text = (s: string) => new TextEncoder().encode(s);

Deno.test("WskReceiveEvent gets the data as MDL indications at DISPATCH_LEVEL, never inside the enabling call", async () => {
  const client = new TestClient();
  const got: Uint8Array[] = [];
  let arrived!: () => void;
  const done = new Promise<void>((r) => arrived = r);
  let insideEnable = false;
  const { Socket, peer } = await connectedWithEvents(client, {
    WskReceiveEvent: (ctx, _flags, data, bytes, _accepted) => {
      assert.equal(insideEnable, false);
      assert.equal(ctx, "my context");
      assert.equal(KeGetCurrentIrql(), DISPATCH_LEVEL);
      assert.equal(bytesOf(data).length, bytes);
      got.push(bytesOf(data));
      if (got.reduce((n, g) => n + g.length, 0) === 5) arrived();
      return STATUS_SUCCESS;
    },
  }, "my context");
  await writeAll(peer, text("hello"));
  insideEnable = true;
  assert.equal(enableEvents(Socket, WSK_EVENT_RECEIVE), STATUS_SUCCESS);
  insideEnable = false;
  await done;
  assert.deepEqual(new Uint8Array(got.flatMap((g) => [...g])), text("hello"));
  peer.close();
  await client.closeSocket(Socket);
  await client.close();
});

Deno.test("WskReceiveEvent returning STATUS_PENDING keeps the list until WskRelease", async () => {
  const client = new TestClient();
  const held: WSK_DATA_INDICATION[] = [];
  let arrived!: () => void;
  const done = new Promise<void>((r) => arrived = r);
  const { Socket, peer } = await connectedWithEvents(client, {
    WskReceiveEvent: (_ctx, _flags, data) => {
      held.push(data!);
      arrived();
      return STATUS_PENDING;
    },
  });
  enableEvents(Socket, WSK_EVENT_RECEIVE);
  await writeAll(peer, text("retained"));
  await done;
  assert.deepEqual(bytesOf(held[0]!), text("retained"));
  assert.equal(connDispatch(Socket).WskRelease(Socket, held[0]!), STATUS_SUCCESS);
  assert.notEqual(
    connDispatch(Socket).WskRelease(Socket, held[0]!),
    STATUS_SUCCESS,
    "released once only",
  );
  peer.close();
  await client.closeSocket(Socket);
  await client.close();
});

Deno.test("a list retained with STATUS_PENDING stays readable after WskCloseSocket, until WskRelease", async () => {
  const client = new TestClient();
  const held = Promise.withResolvers<WSK_DATA_INDICATION>();
  const { Socket, peer } = await connectedWithEvents(client, {
    WskReceiveEvent: (_ctx, _flags, data) => {
      held.resolve(data!);
      return STATUS_PENDING;
    },
  });
  enableEvents(Socket, WSK_EVENT_RECEIVE);
  await writeAll(peer, text("kept"));
  const list = await held.promise;
  peer.close();
  await client.closeSocket(Socket);
  assert.deepEqual(bytesOf(list), text("kept"), "the close did not release it");
  connDispatch(Socket).WskRelease(Socket, list);
  await client.close();
});

Deno.test("a WskReceiveEvent return other than SUCCESS, PENDING or DATA_NOT_ACCEPTED counts as SUCCESS", async () => {
  const client = new TestClient();
  const seen: string[] = [];
  let next = Promise.withResolvers<void>();
  const { Socket, peer } = await connectedWithEvents(client, {
    WskReceiveEvent: (_ctx, _flags, data) => {
      seen.push(new TextDecoder().decode(bytesOf(data)));
      next.resolve();
      return STATUS_UNSUCCESSFUL;
    },
  });
  enableEvents(Socket, WSK_EVENT_RECEIVE);
  await writeAll(peer, text("one"));
  await next.promise;
  next = Promise.withResolvers<void>();
  await writeAll(peer, text("two"));
  await within(next.promise, 5000, "the next indication (none comes if the data was refused)");
  // Taken, as with SUCCESS: not indicated again, not left for a WskReceive.
  assert.deepEqual(seen, ["one", "two"]);
  assert.equal(await receiveBacklog(Socket), 0);
  peer.close();
  await client.closeSocket(Socket);
  await client.close();
});

Deno.test("STATUS_DATA_NOT_ACCEPTED leaves the data for the next WskReceive, after which events resume", async () => {
  const client = new TestClient();
  const seen: string[] = [];
  let signal!: () => void;
  let next = new Promise<void>((r) => signal = r);
  const { Socket, peer } = await connectedWithEvents(client, {
    WskReceiveEvent: (_ctx, _flags, data) => {
      seen.push(new TextDecoder().decode(bytesOf(data)));
      signal();
      return seen.length === 1 ? STATUS_DATA_NOT_ACCEPTED : STATUS_SUCCESS;
    },
  });
  enableEvents(Socket, WSK_EVENT_RECEIVE);
  await writeAll(peer, text("first"));
  await next;
  next = new Promise<void>((r) => signal = r);
  const buffer = new Uint8Array(5);
  const got = await call((Irp) => connDispatch(Socket).WskReceive(Socket, wskBuf(buffer), 2, Irp));
  assert.equal(new TextDecoder().decode(buffer.subarray(0, got.Information as number)), "first");
  await writeAll(peer, text("second"));
  await next;
  assert.deepEqual(seen, ["first", "second"]);
  peer.close();
  await client.closeSocket(Socket);
  await client.close();
});

Deno.test("receive events are delivered serially, in order, under a burst", async () => {
  const client = new TestClient();
  const total = 4 * 1024 * 1024;
  let depth = 0, received = 0, expected = 0, inOrder = true;
  let finished!: () => void;
  const done = new Promise<void>((r) => finished = r);
  const { Socket, peer } = await connectedWithEvents(client, {
    WskReceiveEvent: (_ctx, _flags, data) => {
      assert.equal(++depth, 1, "never re-entered");
      for (const b of bytesOf(data)) {
        if (b !== (expected++ & 0xff)) inOrder = false;
      }
      received += bytesOf(data).length;
      depth--;
      if (received === total) finished();
      return STATUS_SUCCESS;
    },
  });
  enableEvents(Socket, WSK_EVENT_RECEIVE);
  const burst = new Uint8Array(total).map((_, i) => i & 0xff);
  await writeAll(peer, burst);
  await done;
  assert.ok(inOrder);
  peer.close();
  await client.closeSocket(Socket);
  await client.close();
});

Deno.test("a client holding indications applies backpressure to the peer instead of buffering without bound", async () => {
  const client = new TestClient();
  const held: WSK_DATA_INDICATION[] = [];
  let heldBytes = 0;
  const atBound = Promise.withResolvers<void>();
  const { Socket, peer } = await connectedWithEvents(client, {
    WskReceiveEvent: (_ctx, _flags, data, bytes) => {
      held.push(data!);
      heldBytes += bytes;
      // Retained indications count against the bound: at it, WSK stops reading.
      if (heldBytes >= (Socket as unknown as ConnectionSocket).receiveLimit) atBound.resolve();
      return STATUS_PENDING;
    },
  });
  enableEvents(Socket, WSK_EVENT_RECEIVE);
  // The peer tries to push 64 MiB; with every indication held, the writes must stall.
  const chunk = new Uint8Array(1024 * 1024);
  let written = 0;
  const writer = (async () => {
    try {
      for (let i = 0; i < 64; i++) {
        await writeAll(peer, chunk);
        written += chunk.length;
      }
    } catch { /* reset at the end */ }
  })();
  await atBound.promise;
  // Held at the bound: the kernel buffers fill next, and the peer cannot get
  // its 64 MiB out while the client holds everything.
  assert.ok(written < 64 * 1024 * 1024, `peer wrote ${written} bytes`);
  assert.ok(heldBytes <= 2 * 1024 * 1024, `held ${heldBytes} bytes`);
  for (const d of held.splice(0)) connDispatch(Socket).WskRelease(Socket, d);
  await client.closeSocket(Socket);
  peer.close();
  await writer;
  await client.close();
});

Deno.test("WskDisconnectEvent fires for a FIN (flags 0) and for a reset (WSK_FLAG_ABORTIVE)", async () => {
  const client = new TestClient();
  for (const abortive of [false, true]) {
    let fired!: (flags: number) => void;
    const flags = new Promise<number>((r) => fired = r);
    const server = net.createServer((s) => {
      s.on("error", () => {}); // our close resets it
      // Disconnect only once the client is ready (it sends one byte after enabling the event).
      s.once("data", () => abortive ? s.resetAndDestroy() : s.end());
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    const dispatch = {
      WskReceiveEvent: null,
      WskDisconnectEvent: (_c: unknown, f: number) => {
        fired(f);
        return STATUS_SUCCESS;
      },
      WskSendBacklogEvent: null,
    };
    const Socket = await client.connected("127.0.0.1", port, null, dispatch);
    enableEvents(Socket, WSK_EVENT_DISCONNECT);
    await call((Irp) => connDispatch(Socket).WskSend(Socket, wskBuf(text("!")), 0, Irp));
    assert.equal((await flags) & WSK_FLAG_ABORTIVE, abortive ? WSK_FLAG_ABORTIVE : 0);
    await client.closeSocket(Socket);
    await new Promise((r) => server.close(r));
  }
  await client.close();
});

Deno.test("WskSendBacklogEvent and the backlog queries report the ideal send backlog and unread bytes", async () => {
  const client = new TestClient();
  let backlog!: (n: number) => void;
  const ideal = new Promise<number>((r) => backlog = r);
  const { Socket, peer } = await connectedWithEvents(client, {
    WskSendBacklogEvent: (_c, size) => {
      backlog(size);
      return STATUS_SUCCESS;
    },
  });
  enableEvents(Socket, WSK_EVENT_SEND_BACKLOG);
  const size = await ideal;
  assert.ok(size > 0);
  const out = { value: 0 };
  const q = await call((Irp) =>
    connDispatch(Socket).WskControlSocket(
      Socket,
      WskIoctl,
      SIO_WSK_QUERY_IDEAL_SEND_BACKLOG,
      0,
      0,
      null,
      8,
      out,
      null,
      Irp,
    )
  );
  assert.equal(q.Status, STATUS_SUCCESS);
  assert.equal(out.value, size);
  assert.equal(await receiveBacklog(Socket), 0);
  peer.close();
  await client.closeSocket(Socket);
  await client.close();
});

Deno.test("disabling an event with WSK_EVENT_DISABLE stops it", async () => {
  const client = new TestClient();
  let calls = 0;
  const { Socket, peer } = await connectedWithEvents(client, {
    WskReceiveEvent: () => {
      calls++;
      return STATUS_SUCCESS;
    },
  });
  enableEvents(Socket, WSK_EVENT_RECEIVE);
  assert.equal(enableEvents(Socket, WSK_EVENT_RECEIVE | WSK_EVENT_DISABLE), STATUS_SUCCESS);
  await writeAll(peer, text("quiet"));
  const buffer = new Uint8Array(5);
  await call((Irp) => connDispatch(Socket).WskReceive(Socket, wskBuf(buffer), 2, Irp));
  assert.equal(calls, 0);
  peer.close();
  await client.closeSocket(Socket);
  await client.close();
});

Deno.test("WskAcceptEvent: SUCCESS hands over the socket with its boxes; REQUEST_NOT_ACCEPTED closes it", async () => {
  const client = new TestClient();
  const accepted: WSK_SOCKET[] = [];
  let decide = STATUS_SUCCESS;
  let signal!: () => void;
  let next = new Promise<void>((r) => signal = r);
  const dispatch: WSK_CLIENT_LISTEN_DISPATCH = {
    WskAcceptEvent: (
      ctx,
      _flags,
      _local,
      _remote,
      AcceptSocket,
      AcceptSocketContext,
      AcceptSocketDispatch,
    ) => {
      assert.equal(ctx, "listener context");
      if (decide === STATUS_SUCCESS) {
        AcceptSocketContext.value = "accepted context";
        AcceptSocketDispatch.value = null;
        accepted.push(AcceptSocket!);
      }
      signal();
      return decide;
    },
    WskInspectEvent: null,
    WskAbortEvent: null,
  };
  const { Socket, port } = await listening(
    client,
    "127.0.0.1",
    [],
    "listener context",
    dispatch,
  );
  assert.equal(
    enableEvents(Socket, WSK_EVENT_ACCEPT),
    STATUS_SUCCESS,
  );
  const p1 = await Deno.connect({ hostname: "127.0.0.1", port });
  await next;
  next = new Promise<void>((r) => signal = r);
  await writeAll(p1, text("to accepted"));
  const buffer = new Uint8Array(11);
  await call((Irp) => connDispatch(accepted[0]!).WskReceive(accepted[0]!, wskBuf(buffer), 2, Irp));
  assert.deepEqual(buffer, text("to accepted"));
  decide = STATUS_REQUEST_NOT_ACCEPTED;
  // The rejected peer sees a reset (possibly before its connect returns) or a close, never data.
  const p2 = await Deno.connect({ hostname: "127.0.0.1", port }).catch((e) => e);
  await next;
  if (!(p2 instanceof Error)) {
    const rejected = await readAll(p2).catch((e) => e);
    assert.ok(rejected instanceof Deno.errors.ConnectionReset || rejected.length === 0);
    p2.close();
  }
  p1.close();
  await client.closeSocket(accepted[0]!);
  await client.closeSocket(Socket);
  await client.close();
});

Deno.test("a listener that dies completes pending WskAccepts with its failure and calls WskAcceptEvent(NULL) once", async () => {
  // The fault transport kills the listener after one connection, as a network going away would.
  const client = new TestClient(new FaultTransport({ failListenerAfter: 1 }));
  const offered: unknown[] = [];
  const died = Promise.withResolvers<void>();
  const dispatch: WSK_CLIENT_LISTEN_DISPATCH = {
    WskAcceptEvent: (_c, _f, _l, _r, AcceptSocket) => {
      offered.push(AcceptSocket);
      if (AcceptSocket === null) died.resolve();
      return STATUS_REQUEST_NOT_ACCEPTED;
    },
    WskInspectEvent: null,
    WskAbortEvent: null,
  };
  const { Socket, d, port } = await listening(client, "127.0.0.1", [], null, dispatch);
  const accept = start((Irp) => d.WskAccept(Socket, 0, null, null, null, null, Irp));
  const pending = start((Irp) => d.WskAccept(Socket, 0, null, null, null, null, Irp));
  enableEvents(Socket, WSK_EVENT_ACCEPT);
  const peer = await Deno.connect({ hostname: "127.0.0.1", port });
  // The first WskAccept takes the one connection; then the listener dies under the second.
  assert.equal((await accept.done).Status, STATUS_SUCCESS);
  assert.equal((await pending.done).Status, STATUS_UNEXPECTED_NETWORK_ERROR);
  await died.promise;
  assert.deepEqual(offered, [null]);
  const late = await call((Irp) => d.WskAccept(Socket, 0, null, null, null, null, Irp));
  assert.equal(late.Status, STATUS_INVALID_DEVICE_STATE);
  peer.close();
  await client.closeSocket((await accept.done).Information as WSK_SOCKET);
  await client.closeSocket(Socket);
  await client.close();
});
