// Copyright 2026 the wskemu authors. MIT license.
import assert from "node:assert/strict";
import {
  AF_INET,
  AF_INET6,
  IoCancelIrp,
  IPPROTO_IPV6,
  IPPROTO_UDP,
  IPV6_V6ONLY,
  SO_CONDITIONAL_ACCEPT,
  SOCK_DGRAM,
  type SOCKADDR,
  sockaddrToString,
  SOL_SOCKET,
  STATUS_ADDRESS_ALREADY_ASSOCIATED,
  STATUS_CANCELLED,
  STATUS_NOT_IMPLEMENTED,
  STATUS_PENDING,
  STATUS_SUCCESS,
  type WSK_CLIENT_LISTEN_DISPATCH,
  WSK_FLAG_LISTEN_SOCKET,
  WSK_FLAG_STREAM_SOCKET,
  type WSK_PROVIDER_LISTEN_DISPATCH,
  type WSK_PROVIDER_STREAM_DISPATCH,
  type WSK_SOCKET,
  WskGetOption,
} from "../../mod.ts";
import {
  addr,
  call,
  connDispatch,
  listening,
  readExactly,
  start,
  TestClient,
  writeAll,
  wskBuf,
} from "../_wsk.ts";

const text = (s: string) => new TextEncoder().encode(s);

Deno.test("WskBind() on a listening socket starts listening and WskAccept() returns the connection", async () => {
  const client = new TestClient();
  const { Socket, d, port } = await listening(client);
  const local: SOCKADDR = {}, remote: SOCKADDR = {};
  const accepting = start((Irp) => d.WskAccept(Socket, 0, "ctx", null, local, remote, Irp));
  assert.equal(accepting.returned, STATUS_PENDING);
  const peer = await Deno.connect({ hostname: "127.0.0.1", port });
  const accepted = await accepting.done;
  assert.equal(accepted.Status, STATUS_SUCCESS);
  const Accepted = accepted.Information as WSK_SOCKET;
  assert.equal(sockaddrToString(local), `127.0.0.1:${port}`);
  assert.equal(sockaddrToString(remote), `127.0.0.1:${(peer.localAddr as Deno.NetAddr).port}`);
  await writeAll(peer, text("hello"));
  const buffer = new Uint8Array(5);
  await call((Irp) => connDispatch(Accepted).WskReceive(Accepted, wskBuf(buffer), 2, Irp));
  assert.deepEqual(buffer, text("hello"));
  await call((Irp) => connDispatch(Accepted).WskSend(Accepted, wskBuf(text("world")), 0, Irp));
  assert.deepEqual(await readExactly(peer, 5), text("world"));
  peer.close();
  await client.closeSocket(Accepted);
  await client.closeSocket(Socket);
  await client.close();
});

Deno.test("several pending WskAccept() IRPs complete in posting order", async () => {
  const client = new TestClient();
  const { Socket, d, port } = await listening(client);
  const order: number[] = [];
  const accepts = [0, 1, 2].map((i) =>
    start((Irp) => d.WskAccept(Socket, 0, i, null, null, null, Irp)).done.then((c) => {
      order.push(i);
      return c.Information as WSK_SOCKET;
    })
  );
  const peers = [];
  for (let i = 0; i < 3; i++) peers.push(await Deno.connect({ hostname: "127.0.0.1", port }));
  const sockets = await Promise.all(accepts);
  assert.deepEqual(order, [0, 1, 2]);
  for (const p of peers) p.close();
  for (const s of sockets) await client.closeSocket(s);
  await client.closeSocket(Socket);
  await client.close();
});

Deno.test("IoCancelIrp() cancels one pending accept; the next connection goes to the next accept", async () => {
  const client = new TestClient();
  const { Socket, d, port } = await listening(client);
  const first = start((Irp) => d.WskAccept(Socket, 0, null, null, null, null, Irp));
  const second = start((Irp) => d.WskAccept(Socket, 0, null, null, null, null, Irp));
  assert.equal(IoCancelIrp(first.Irp), true);
  assert.deepEqual([(await first.done).Status, (await first.done).Information], [
    STATUS_CANCELLED,
    0,
  ]);
  const peer = await Deno.connect({ hostname: "127.0.0.1", port });
  const accepted = await second.done;
  assert.equal(accepted.Status, STATUS_SUCCESS);
  peer.close();
  await client.closeSocket(accepted.Information as WSK_SOCKET);
  await client.closeSocket(Socket);
  await client.close();
});

Deno.test("closing a listening socket completes its pending accepts with STATUS_CANCELLED and Information 0", async () => {
  const client = new TestClient();
  const { Socket, d } = await listening(client);
  const accepts = [0, 1].map(() =>
    start((Irp) => d.WskAccept(Socket, 0, null, null, null, null, Irp))
  );
  await client.closeSocket(Socket);
  for (const a of accepts) {
    const c = await a.done;
    assert.deepEqual([c.Status, c.Information], [STATUS_CANCELLED, 0]);
  }
  await client.close();
});

Deno.test("binding a listening socket to an address in use gives STATUS_ADDRESS_ALREADY_ASSOCIATED", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const client = new TestClient();
  const Socket = await client.socket(AF_INET, WSK_FLAG_LISTEN_SOCKET);
  const d = Socket.Dispatch as WSK_PROVIDER_LISTEN_DISPATCH;
  const bound = await call((Irp) => d.WskBind(Socket, addr("127.0.0.1", taken.addr.port), 0, Irp));
  assert.equal(bound.Status, STATUS_ADDRESS_ALREADY_ASSOCIATED);
  await client.closeSocket(Socket);
  await client.close();
  taken.close();
});

Deno.test("a listening socket created for UDP binds to STATUS_NOT_IMPLEMENTED", async () => {
  const client = new TestClient();
  const Socket = await client.socket(AF_INET, WSK_FLAG_LISTEN_SOCKET, SOCK_DGRAM, IPPROTO_UDP);
  const d = Socket.Dispatch as WSK_PROVIDER_LISTEN_DISPATCH;
  assert.equal(
    (await call((Irp) => d.WskBind(Socket, addr("127.0.0.1", 0), 0, Irp))).Status,
    STATUS_NOT_IMPLEMENTED,
  );
  await client.closeSocket(Socket);
  await client.close();
});

Deno.test("a [::] listener with IPV6_V6ONLY 0 accepts IPv4 peers as v4-mapped SOCKADDR_IN6", async () => {
  const client = new TestClient();
  const { Socket, d, port } = await listening(client, "::", [[IPPROTO_IPV6, IPV6_V6ONLY, 0]]);
  const remote: SOCKADDR = {};
  const accepting = start((Irp) => d.WskAccept(Socket, 0, null, null, null, remote, Irp));
  const peer = await Deno.connect({ hostname: "127.0.0.1", port });
  const accepted = await accepting.done;
  assert.equal((remote as { sin6_family: number }).sin6_family, AF_INET6);
  assert.equal(
    sockaddrToString(remote),
    `[::ffff:127.0.0.1]:${(peer.localAddr as Deno.NetAddr).port}`,
  );
  peer.close();
  await client.closeSocket(accepted.Information as WSK_SOCKET);
  await client.closeSocket(Socket);
  await client.close();
});

Deno.test("an AF_INET6 listener is IPv6-only by default, as on Windows: IPv4 peers are refused", async () => {
  const client = new TestClient();
  const { Socket, d, port } = await listening(client, "::");
  const value = { value: 7 };
  await call((Irp) =>
    d.WskControlSocket(
      Socket,
      WskGetOption,
      IPV6_V6ONLY,
      IPPROTO_IPV6,
      0,
      null,
      4,
      value,
      null,
      Irp,
    )
  );
  assert.equal(value.value, 1);
  // Linux cannot refuse at SYN time here (see transport/_tcp_listener.ts): the peer is reset at once.
  const peer = await Deno.connect({ hostname: "127.0.0.1", port }).catch((e) => e);
  if (!(peer instanceof Error)) {
    const read = await peer.read(new Uint8Array(1)).catch((e: unknown) => e);
    assert.ok(read === null || read instanceof Deno.errors.ConnectionReset, `got ${read}`);
    peer.close();
  }
  await client.closeSocket(Socket);
  await client.close();
});

Deno.test("conditional accept: WskInspectEvent decides, WskInspectComplete finishes a pended decision", async () => {
  const client = new TestClient();
  const decisions = [1, /* WskInspectAccept */ 0, /* WskInspectReject */ 2 /* WskInspectPend */];
  let pended: { Key: number; SerialNumber: number } | null = null;
  let pendedArrived!: () => void;
  const pendedPromise = new Promise<void>((r) => pendedArrived = r);
  const dispatch: WSK_CLIENT_LISTEN_DISPATCH = {
    WskAcceptEvent: null,
    WskInspectEvent: (_ctx, _local, _remote, InspectID) => {
      const action = decisions.shift()!;
      if (action === 2) {
        pended = { ...InspectID! };
        pendedArrived();
      }
      return action;
    },
    WskAbortEvent: null,
  };
  const { Socket, d, port } = await listening(
    client,
    "127.0.0.1",
    [[SOL_SOCKET, SO_CONDITIONAL_ACCEPT, 1]],
    null,
    dispatch,
  );
  // Accepted by the inspect callback: a WskAccept gets it.
  const first = start((Irp) => d.WskAccept(Socket, 0, null, null, null, null, Irp));
  const p1 = await Deno.connect({ hostname: "127.0.0.1", port });
  const a1 = await first.done;
  assert.equal(a1.Status, STATUS_SUCCESS);
  // Rejected: the peer sees the connection reset or closed, never data.
  const p2 = await Deno.connect({ hostname: "127.0.0.1", port }).catch((e) => e);
  if (!(p2 instanceof Error)) {
    const r2 = await p2.read(new Uint8Array(1)).catch((e: unknown) => e);
    assert.ok(r2 === null || r2 instanceof Deno.errors.ConnectionReset);
    p2.close();
  }
  // Pended, then accepted through WskInspectComplete.
  const p3 = await Deno.connect({ hostname: "127.0.0.1", port });
  await pendedPromise;
  const third = start((Irp) => d.WskAccept(Socket, 0, null, null, null, null, Irp));
  assert.equal(
    (await call((Irp) => d.WskInspectComplete(Socket, pended!, 1, Irp))).Status,
    STATUS_SUCCESS,
  );
  const a3 = await third.done;
  assert.equal(a3.Status, STATUS_SUCCESS);
  for (const p of [p1, p3]) p.close();
  await client.closeSocket(a1.Information as WSK_SOCKET);
  await client.closeSocket(a3.Information as WSK_SOCKET);
  await client.closeSocket(Socket);
  await client.close();
});

Deno.test("conditional accept: WskAbortEvent reports a pended request whose peer gave up", async () => {
  const client = new TestClient();
  let pendedArrived!: () => void, abortArrived!: (id: unknown) => void;
  const pended = new Promise<void>((r) => pendedArrived = r);
  const aborted = new Promise<unknown>((r) => abortArrived = r);
  let inspectId: unknown;
  const dispatch: WSK_CLIENT_LISTEN_DISPATCH = {
    WskAcceptEvent: null,
    WskInspectEvent: (_c, _l, _r, InspectID) => {
      inspectId = { ...InspectID! };
      pendedArrived();
      return 2;
    },
    WskAbortEvent: (_c, InspectID) => {
      abortArrived({ ...InspectID });
      return STATUS_SUCCESS;
    },
  };
  const { Socket } = await listening(
    client,
    "127.0.0.1",
    [[SOL_SOCKET, SO_CONDITIONAL_ACCEPT, 1]],
    null,
    dispatch,
  );
  const port = await portOf(Socket);
  const peer = await Deno.connect({ hostname: "127.0.0.1", port });
  await pended;
  peer.close();
  assert.deepEqual(await aborted, inspectId);
  await client.closeSocket(Socket);
  await client.close();
});

async function portOf(Socket: WSK_SOCKET): Promise<number> {
  const local: SOCKADDR = {};
  await call((Irp) =>
    (Socket.Dispatch as WSK_PROVIDER_LISTEN_DISPATCH).WskGetLocalAddress(Socket, local, Irp)
  );
  return Number(sockaddrToString(local).split(":").at(-1));
}

Deno.test("a stream socket becomes listening after WskListen, or connection-oriented after WskConnect", async () => {
  const client = new TestClient();
  const server = await client.socket(AF_INET, WSK_FLAG_STREAM_SOCKET);
  const sd = server.Dispatch as WSK_PROVIDER_STREAM_DISPATCH;
  await call((Irp) => sd.WskBind(server, addr("127.0.0.1", 0), 0, Irp));
  assert.equal((await call((Irp) => sd.WskListen(server, Irp))).Status, STATUS_SUCCESS);
  const local: SOCKADDR = {};
  await call((Irp) => sd.WskGetLocalAddress(server, local, Irp));
  const port = Number(sockaddrToString(local).split(":").at(-1));
  const accepting = start((Irp) => sd.WskAccept(server, 0, null, null, null, null, Irp));

  const stream = await client.socket(AF_INET, WSK_FLAG_STREAM_SOCKET);
  const cd = stream.Dispatch as WSK_PROVIDER_STREAM_DISPATCH;
  await call((Irp) => cd.WskBind(stream, addr("0.0.0.0", 0), 0, Irp));
  assert.equal(
    (await call((Irp) => cd.WskConnect(stream, addr("127.0.0.1", port), 0, Irp))).Status,
    STATUS_SUCCESS,
  );
  const accepted = (await accepting.done).Information as WSK_SOCKET;
  await call((Irp) => cd.WskSend(stream, wskBuf(text("via stream")), 0, Irp));
  const buffer = new Uint8Array(10);
  await call((Irp) => connDispatch(accepted).WskReceive(accepted, wskBuf(buffer), 2, Irp));
  assert.deepEqual(buffer, text("via stream"));
  // Committed: a listening stream socket cannot send, a connected one cannot accept.
  assert.notEqual(
    (await call((Irp) => sd.WskSend(server, wskBuf(text("x")), 0, Irp))).Status,
    STATUS_SUCCESS,
  );
  assert.notEqual(
    (await call((Irp) => cd.WskAccept(stream, 0, null, null, null, null, Irp))).Status,
    STATUS_SUCCESS,
  );
  for (const s of [accepted, stream, server]) await client.closeSocket(s);
  await client.close();
});
