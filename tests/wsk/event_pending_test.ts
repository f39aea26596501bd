// Copyright 2026 the wskemu authors. MIT license.
// Disabling an event callback from inside that callback, as documented for
// SO_WSK_EVENT_CALLBACK: without an IRP the call returns STATUS_EVENT_PENDING;
// with one it returns STATUS_PENDING and the IRP completes once the callback
// has returned. Either way no call of that callback starts afterwards.
import assert from "node:assert/strict";
import {
  type IRP,
  type NTSTATUS,
  STATUS_EVENT_PENDING,
  STATUS_PENDING,
  STATUS_SUCCESS,
  type WSK_CLIENT_LISTEN_DISPATCH,
  WSK_EVENT_ACCEPT,
  WSK_EVENT_DISABLE,
  WSK_EVENT_DISCONNECT,
  WSK_EVENT_RECEIVE,
  WSK_EVENT_SEND_BACKLOG,
  type WSK_SOCKET,
} from "../../mod.ts";
import {
  type Call,
  call,
  connDispatch,
  enableEvents,
  listening,
  start,
  TestClient,
  writeAll,
  wskBuf,
} from "../_wsk.ts";
import { connectedWithEvents } from "./_connected.ts";

const text = (s: string) => new TextEncoder().encode(s);

/** SO_WSK_EVENT_CALLBACK disabling `event`, with or without an IRP. */
function disable(Socket: WSK_SOCKET, event: number, Irp: IRP | null): NTSTATUS {
  return enableEvents(Socket, event | WSK_EVENT_DISABLE, Irp);
}

Deno.test("WskReceiveEvent disabling itself gets STATUS_EVENT_PENDING and is not called again", async () => {
  const client = new TestClient();
  let calls = 0;
  const returned = Promise.withResolvers<NTSTATUS>();
  const { Socket, peer } = await connectedWithEvents(client, {
    WskReceiveEvent: () => {
      calls++;
      returned.resolve(disable(Socket, WSK_EVENT_RECEIVE, null));
      return STATUS_SUCCESS;
    },
  });
  enableEvents(Socket, WSK_EVENT_RECEIVE);
  await writeAll(peer, text("one"));
  assert.equal(await returned.promise, STATUS_EVENT_PENDING);
  // Later data waits for a WskReceive: the callback stays off.
  await writeAll(peer, text("two"));
  const buffer = new Uint8Array(3);
  const got = await call((Irp) => connDispatch(Socket).WskReceive(Socket, wskBuf(buffer), 2, Irp));
  assert.equal(got.Status, STATUS_SUCCESS);
  assert.deepEqual(buffer, text("two"));
  assert.equal(calls, 1);
  peer.close();
  await client.closeSocket(Socket);
  await client.close();
});

Deno.test("WskReceiveEvent disabling itself with an IRP gets STATUS_PENDING; the IRP completes after the callback returned", async () => {
  const client = new TestClient();
  const order: string[] = [];
  let disabling: Call | null = null;
  const called = Promise.withResolvers<void>();
  const { Socket, peer } = await connectedWithEvents(client, {
    WskReceiveEvent: () => {
      disabling = start((Irp) => disable(Socket, WSK_EVENT_RECEIVE, Irp));
      disabling.done.then(() => order.push("disable completed"));
      order.push("callback returns");
      called.resolve();
      return STATUS_SUCCESS;
    },
  });
  enableEvents(Socket, WSK_EVENT_RECEIVE);
  await writeAll(peer, text("x"));
  await called.promise;
  const c = await disabling!.done;
  assert.equal(c.returned, STATUS_PENDING);
  assert.equal(c.Status, STATUS_SUCCESS);
  assert.deepEqual(order, ["callback returns", "disable completed"]);
  peer.close();
  await client.closeSocket(Socket);
  await client.close();
});

Deno.test("WskDisconnectEvent disabling itself gets STATUS_EVENT_PENDING", async () => {
  const client = new TestClient();
  const returned = Promise.withResolvers<NTSTATUS>();
  const { Socket, peer } = await connectedWithEvents(client, {
    WskDisconnectEvent: () => {
      returned.resolve(disable(Socket, WSK_EVENT_DISCONNECT, null));
      return STATUS_SUCCESS;
    },
  });
  enableEvents(Socket, WSK_EVENT_DISCONNECT);
  peer.close();
  assert.equal(await returned.promise, STATUS_EVENT_PENDING);
  await client.closeSocket(Socket);
  await client.close();
});

Deno.test("WskSendBacklogEvent disabling itself gets STATUS_EVENT_PENDING", async () => {
  const client = new TestClient();
  const returned = Promise.withResolvers<NTSTATUS>();
  const { Socket, peer } = await connectedWithEvents(client, {
    WskSendBacklogEvent: () => {
      returned.resolve(disable(Socket, WSK_EVENT_SEND_BACKLOG, null));
      return STATUS_SUCCESS;
    },
  });
  enableEvents(Socket, WSK_EVENT_SEND_BACKLOG);
  assert.equal(await returned.promise, STATUS_EVENT_PENDING);
  peer.close();
  await client.closeSocket(Socket);
  await client.close();
});

Deno.test("WskAcceptEvent disabling itself gets STATUS_EVENT_PENDING", async () => {
  const client = new TestClient();
  const returned = Promise.withResolvers<NTSTATUS>();
  const accepted: WSK_SOCKET[] = [];
  const listener: { Socket?: WSK_SOCKET } = {};
  const dispatch: WSK_CLIENT_LISTEN_DISPATCH = {
    WskAcceptEvent: (_c, _f, _l, _r, AcceptSocket) => {
      accepted.push(AcceptSocket!);
      returned.resolve(disable(listener.Socket!, WSK_EVENT_ACCEPT, null));
      return STATUS_SUCCESS;
    },
    WskInspectEvent: null,
    WskAbortEvent: null,
  };
  const { Socket, port } = await listening(client, "127.0.0.1", [], null, dispatch);
  listener.Socket = Socket;
  enableEvents(Socket, WSK_EVENT_ACCEPT);
  const peer = await Deno.connect({ hostname: "127.0.0.1", port });
  assert.equal(await returned.promise, STATUS_EVENT_PENDING);
  peer.close();
  for (const s of accepted) await client.closeSocket(s);
  await client.closeSocket(Socket);
  await client.close();
});

Deno.test("disabling a callback that is not running succeeds at once, with or without an IRP", async () => {
  const client = new TestClient();
  const { Socket, peer } = await connectedWithEvents(client, {
    WskReceiveEvent: () => STATUS_SUCCESS,
  });
  enableEvents(Socket, WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT);
  assert.equal(disable(Socket, WSK_EVENT_RECEIVE, null), STATUS_SUCCESS);
  const c = await call((Irp) => disable(Socket, WSK_EVENT_DISCONNECT, Irp));
  assert.equal(c.Status, STATUS_SUCCESS);
  peer.close();
  await client.closeSocket(Socket);
  await client.close();
});
