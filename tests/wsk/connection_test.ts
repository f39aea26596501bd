// Copyright 2026 the wskemu authors. MIT license.
import assert from "node:assert/strict";
import net from "node:net";
import {
  AF_INET,
  AF_INET6,
  BugCheckError,
  IoAllocateIrp,
  IoAllocateMdl,
  IoCancelIrp,
  IoFreeIrp,
  IoSetCompletionRoutine,
  IPPROTO_TCP,
  IPPROTO_UDP,
  MmBuildMdlForNonPagedPool,
  SOCK_DGRAM,
  SOCK_STREAM,
  sockaddr,
  type SOCKADDR_IN,
  sockaddrToString,
  STATUS_CANCELLED,
  STATUS_CONNECTION_ACTIVE,
  STATUS_CONNECTION_REFUSED,
  STATUS_CONNECTION_RESET,
  STATUS_DATA_NOT_ACCEPTED,
  STATUS_INVALID_DEVICE_STATE,
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_PARAMETER,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_NOT_SUPPORTED,
  STATUS_PENDING,
  STATUS_PROTOCOL_UNREACHABLE,
  STATUS_SUCCESS,
  type WSK_BUF,
  WSK_EVENT_DISCONNECT,
  WSK_EVENT_RECEIVE,
  WSK_FLAG_ABORTIVE,
  WSK_FLAG_CONNECTION_SOCKET,
  WSK_FLAG_LISTEN_SOCKET,
  WSK_FLAG_NODELAY,
  WSK_FLAG_OOB,
  WSK_FLAG_WAITALL,
} from "../../mod.ts";
import { realTransport, type Transport } from "../../transport/mod.ts";
import { receiveBacklog } from "./_connected.ts";
import {
  addr,
  call,
  connDispatch,
  connectedToDeno,
  enableEvents,
  listen,
  readAll,
  readExactly,
  start,
  TestClient,
  withConnection,
  writeAll,
  wskBuf,
} from "../_wsk.ts";
import { refusingPort } from "../_ports.ts";

const text = (s: string) => new TextEncoder().encode(s);

Deno.test("WskSocket() with a NULL IRP returns STATUS_INVALID_PARAMETER and completes nothing", async () => {
  const client = new TestClient();
  assert.equal(
    client.connectionSocketCall(null),
    STATUS_INVALID_PARAMETER,
  );
  const Irp = IoAllocateIrp(1, false)!;
  assert.equal(
    client.connectionSocketCall(Irp, null),
    STATUS_INVALID_HANDLE,
  );
  assert.equal(Irp.CurrentLocation, 2, "the IRP was not touched");
  await client.close();
});

Deno.test("WskSocket() refuses invalid combinations with the documented statuses", async () => {
  const client = new TestClient();
  const d = client.npi.Dispatch!;
  const create = (family: number, type: number, protocol: number, flags: number) =>
    call((Irp) =>
      d.WskSocket(
        client.npi.Client,
        family,
        type,
        protocol,
        flags,
        null,
        null,
        null,
        null,
        null,
        Irp,
      )
    );
  assert.equal(
    (await create(AF_INET, SOCK_DGRAM, IPPROTO_UDP, WSK_FLAG_CONNECTION_SOCKET)).Status,
    STATUS_NOT_SUPPORTED,
  );
  assert.equal(
    (await create(AF_INET, SOCK_STREAM, 0, WSK_FLAG_LISTEN_SOCKET)).Status,
    STATUS_PROTOCOL_UNREACHABLE,
  );
  assert.equal(
    (await create(99, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET)).Status,
    STATUS_NOT_SUPPORTED,
  );
  assert.equal(
    (await create(AF_INET, SOCK_STREAM, IPPROTO_TCP, 3)).Status,
    STATUS_INVALID_PARAMETER,
  );
  const failed = await create(AF_INET, SOCK_STREAM, 0, WSK_FLAG_CONNECTION_SOCKET);
  assert.equal(failed.returned, STATUS_PENDING);
  assert.equal(failed.Information, 0);
  await client.close();
});

Deno.test("WskConnect() on an unbound socket returns and completes STATUS_INVALID_DEVICE_STATE", async () => {
  const client = new TestClient();
  const Socket = await client.socket();
  const c = await call((Irp) =>
    connDispatch(Socket).WskConnect(Socket, addr("127.0.0.1", 9), 0, Irp)
  );
  assert.equal(c.returned, STATUS_INVALID_DEVICE_STATE);
  assert.equal(c.Status, STATUS_INVALID_DEVICE_STATE);
  assert.equal(c.Information, 0);
  await client.closeSocket(Socket);
  await client.close();
});

Deno.test("WskConnect() to a port nobody listens on completes with STATUS_CONNECTION_REFUSED", async () => {
  const { port, release } = await refusingPort();
  const client = new TestClient();
  const Socket = await client.socket();
  const d = connDispatch(Socket);
  await call((Irp) => d.WskBind(Socket, addr("0.0.0.0", 0), 0, Irp));
  const c = await call((Irp) => d.WskConnect(Socket, addr("127.0.0.1", port), 0, Irp));
  assert.equal(c.returned, STATUS_PENDING);
  assert.equal(c.Status, STATUS_CONNECTION_REFUSED);
  await client.closeSocket(Socket);
  await client.close();
  release();
});

Deno.test("a connected socket sends and receives, with byte counts in Information", () =>
  withConnection(async ({ Socket, peer, d }) => {
    const sent = await call((Irp) => d.WskSend(Socket, wskBuf(text("ping")), 0, Irp));
    assert.deepEqual([sent.returned, sent.Status, sent.Information], [
      STATUS_PENDING,
      STATUS_SUCCESS,
      4,
    ]);
    assert.deepEqual(await readExactly(peer, 4), text("ping"));
    await writeAll(peer, text("pong!"));
    const buffer = new Uint8Array(100);
    const got = await call((Irp) => d.WskReceive(Socket, wskBuf(buffer), 0, Irp));
    assert.equal(got.Status, STATUS_SUCCESS);
    assert.deepEqual(buffer.subarray(0, got.Information as number), text("pong!"));
  }));

Deno.test("WskBind() to a specific local port is honoured: the connection leaves from it", async () => {
  const probe = listen();
  const localPort = probe.addr.port;
  probe.close();
  const listener = listen();
  const client = new TestClient();
  const Socket = await client.socket();
  const d = connDispatch(Socket);
  assert.equal(
    (await call((Irp) => d.WskBind(Socket, addr("127.0.0.1", localPort), 0, Irp))).Status,
    STATUS_SUCCESS,
  );
  const [connected, peer] = await Promise.all([
    call((Irp) => d.WskConnect(Socket, addr("127.0.0.1", listener.addr.port), 0, Irp)),
    listener.accept(),
  ]);
  assert.equal(connected.Status, STATUS_SUCCESS);
  assert.equal((peer.remoteAddr as Deno.NetAddr).port, localPort);
  const local = {} as SOCKADDR_IN;
  assert.equal(
    (await call((Irp) => d.WskGetLocalAddress(Socket, local, Irp))).Status,
    STATUS_SUCCESS,
  );
  assert.equal(sockaddrToString(local), `127.0.0.1:${localPort}`);
  peer.close();
  await client.closeSocket(Socket);
  await client.close();
  listener.close();
});

Deno.test("IPv6 connections on [::1] report SOCKADDR_IN6 addresses", async () => {
  const listener = listen("::1");
  const client = new TestClient();
  const [Socket, peer] = await Promise.all([
    client.connected("::1", listener.addr.port),
    listener.accept(),
  ]);
  const remote = {};
  assert.equal(
    (await call((Irp) => connDispatch(Socket).WskGetRemoteAddress(Socket, remote, Irp))).Status,
    STATUS_SUCCESS,
  );
  assert.equal(sockaddrToString(remote), `[::1]:${listener.addr.port}`);
  assert.equal((remote as { sin6_family: number }).sin6_family, AF_INET6);
  peer.close();
  await client.closeSocket(Socket);
  await client.close();
  listener.close();
});

Deno.test("state rules: no send or receive before connect, no second connect, no addresses unbound", async () => {
  const listener = listen();
  const client = new TestClient();
  const Socket = await client.socket();
  const d = connDispatch(Socket);
  const buffer = new Uint8Array(4);
  assert.equal(
    (await call((Irp) => d.WskSend(Socket, wskBuf(buffer), 0, Irp))).Status,
    STATUS_INVALID_DEVICE_STATE,
  );
  assert.equal(
    (await call((Irp) => d.WskReceive(Socket, wskBuf(buffer), 0, Irp))).Status,
    STATUS_INVALID_DEVICE_STATE,
  );
  assert.equal(
    (await call((Irp) => d.WskGetLocalAddress(Socket, {}, Irp))).Status,
    STATUS_INVALID_DEVICE_STATE,
  );
  assert.equal(
    (await call((Irp) => d.WskGetRemoteAddress(Socket, {}, Irp))).Status,
    STATUS_INVALID_DEVICE_STATE,
  );
  await call((Irp) => d.WskBind(Socket, addr("0.0.0.0", 0), 0, Irp));
  assert.equal(
    (await call((Irp) => d.WskGetRemoteAddress(Socket, {}, Irp))).Status,
    STATUS_INVALID_DEVICE_STATE,
  );
  const [, peer] = await Promise.all([
    call((Irp) => d.WskConnect(Socket, addr("127.0.0.1", listener.addr.port), 0, Irp)),
    listener.accept(),
  ]);
  const again = await call((Irp) =>
    d.WskConnect(Socket, addr("127.0.0.1", listener.addr.port), 0, Irp)
  );
  assert.equal(again.Status, STATUS_CONNECTION_ACTIVE);
  peer.close();
  await client.closeSocket(Socket);
  await client.close();
  listener.close();
});

Deno.test("a graceful close by the peer completes a receive with STATUS_SUCCESS and 0 bytes", async () => {
  const listener = listen();
  const client = new TestClient();
  const [Socket, peer] = await Promise.all([
    client.connected("127.0.0.1", listener.addr.port),
    listener.accept(),
  ]);
  const pending = start((Irp) =>
    connDispatch(Socket).WskReceive(Socket, wskBuf(new Uint8Array(10)), 0, Irp)
  );
  peer.close();
  const c = await pending.done;
  assert.deepEqual([c.Status, c.Information], [STATUS_SUCCESS, 0]);
  await client.closeSocket(Socket);
  await client.close();
  listener.close();
});

Deno.test("a reset mid-stream delivers the data first, then STATUS_CONNECTION_RESET", async () => {
  const accepted = Promise.withResolvers<net.Socket>();
  const server = net.createServer((s) => accepted.resolve(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  const client = new TestClient();
  // The events say when "partial" is buffered (refused by the receive event)
  // and when the reset has arrived (the abortive disconnect event).
  const buffered = Promise.withResolvers<void>();
  const reset = Promise.withResolvers<number>();
  const events = {
    WskReceiveEvent: () => {
      buffered.resolve();
      return STATUS_DATA_NOT_ACCEPTED;
    },
    WskDisconnectEvent: (_c: unknown, Flags: number) => {
      reset.resolve(Flags);
      return STATUS_SUCCESS;
    },
    WskSendBacklogEvent: null,
  };
  const Socket = await client.connected("127.0.0.1", port, null, events);
  const d = connDispatch(Socket);
  assert.equal(enableEvents(Socket, WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT), STATUS_SUCCESS);
  const peer = await accepted.promise;
  peer.on("error", () => {});
  peer.write("partial");
  await buffered.promise;
  peer.resetAndDestroy();
  assert.equal((await reset.promise) & WSK_FLAG_ABORTIVE, WSK_FLAG_ABORTIVE);
  const buffer = new Uint8Array(7);
  const first = await call((Irp) => d.WskReceive(Socket, wskBuf(buffer), WSK_FLAG_WAITALL, Irp));
  assert.deepEqual([first.Status, first.Information], [STATUS_SUCCESS, 7]);
  const second = await call((Irp) => d.WskReceive(Socket, wskBuf(new Uint8Array(7)), 0, Irp));
  assert.equal(second.Status, STATUS_CONNECTION_RESET);
  await client.closeSocket(Socket);
  await client.close();
  await new Promise((r) => server.close(r));
});

Deno.test("WskDisconnect(WSK_FLAG_ABORTIVE) sends a real RST that the peer sees as a reset", () =>
  withConnection(async ({ Socket, peer }) => {
    const c = await call((Irp) =>
      connDispatch(Socket).WskDisconnect(Socket, null, WSK_FLAG_ABORTIVE, Irp)
    );
    assert.equal(c.Status, STATUS_SUCCESS);
    await assert.rejects(() => peer.read(new Uint8Array(1)), Deno.errors.ConnectionReset);
  }));

Deno.test("WskCloseSocket() of a connection that never received resets the peer", () =>
  withConnection(async ({ client, Socket, peer }) => {
    await client.closeSocket(Socket);
    await assert.rejects(() => peer.read(new Uint8Array(1)), Deno.errors.ConnectionReset);
  }));

Deno.test("a peer's reset before any WskReceive fails the sends and the receive after it with STATUS_CONNECTION_RESET", async () => {
  const accepted = Promise.withResolvers<net.Socket>();
  const server = net.createServer((s) => accepted.resolve(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const client = new TestClient();
  const Socket = await client.connected("127.0.0.1", (server.address() as net.AddressInfo).port);
  const peer = await accepted.promise;
  const closed = new Promise((r) => peer.once("close", r));
  peer.resetAndDestroy();
  await closed;
  const d = connDispatch(Socket);
  for (let i = 0; i < 2; i++) {
    const sent = await call((Irp) => d.WskSend(Socket, wskBuf(text("late")), 0, Irp));
    assert.equal(sent.Status, STATUS_CONNECTION_RESET);
  }
  const got = await call((Irp) => d.WskReceive(Socket, wskBuf(new Uint8Array(4)), 0, Irp));
  assert.equal(got.Status, STATUS_CONNECTION_RESET);
  await client.closeSocket(Socket);
  await client.close();
  await new Promise((r) => server.close(r));
});

Deno.test("bytes and the FIN the peer sent before any WskReceive all arrive with the receives", () =>
  withConnection(async ({ Socket, d, peer }) => {
    await writeAll(peer, text("early"));
    await peer.closeWrite();
    const buffer = new Uint8Array(5);
    const got = await call((Irp) => d.WskReceive(Socket, wskBuf(buffer), WSK_FLAG_WAITALL, Irp));
    assert.deepEqual([got.Status, got.Information, buffer], [STATUS_SUCCESS, 5, text("early")]);
    const end = await call((Irp) => d.WskReceive(Socket, wskBuf(new Uint8Array(1)), 0, Irp));
    assert.deepEqual([end.Status, end.Information], [STATUS_SUCCESS, 0]);
  }));

Deno.test("a graceful WskDisconnect sends its final buffer then FIN, and later sends are rejected", () =>
  withConnection(async ({ Socket, peer, d }) => {
    const [c, all] = await Promise.all([
      call((Irp) => d.WskDisconnect(Socket, wskBuf(text("bye")), 0, Irp)),
      readAll(peer),
    ]);
    assert.equal(c.Status, STATUS_SUCCESS);
    assert.deepEqual(all, text("bye"));
    const after = await call((Irp) => d.WskSend(Socket, wskBuf(text("x")), 0, Irp));
    assert.equal(after.Status, STATUS_INVALID_DEVICE_STATE);
    // The receive direction stays open after our graceful disconnect.
    await writeAll(peer, text("late"));
    const buffer = new Uint8Array(4);
    const got = await call((Irp) => d.WskReceive(Socket, wskBuf(buffer), WSK_FLAG_WAITALL, Irp));
    assert.deepEqual(buffer.subarray(0, got.Information as number), text("late"));
  }));

Deno.test("WskCloseSocket() completes every pending IRP with STATUS_CANCELLED, in order, before itself", async () => {
  const listener = listen();
  const client = new TestClient();
  const [Socket, peer] = await Promise.all([
    client.connected("127.0.0.1", listener.addr.port),
    listener.accept(),
  ]);
  const d = connDispatch(Socket);
  const order: string[] = [];
  const receives = [0, 1, 2].map((i) =>
    start((Irp) => d.WskReceive(Socket, wskBuf(new Uint8Array(8)), 0, Irp)).done.then((c) => {
      order.push(`receive ${i}`);
      return c;
    })
  );
  const closed = call((Irp) => d.WskCloseSocket(Socket, Irp)).then((c) => {
    order.push("close");
    return c;
  });
  for (const c of await Promise.all(receives)) {
    assert.deepEqual([c.Status, c.Information], [STATUS_CANCELLED, 0]);
  }
  assert.equal((await closed).Status, STATUS_SUCCESS);
  assert.deepEqual(order, ["receive 0", "receive 1", "receive 2", "close"]);
  // Later calls on the closed socket get a status, never an exception.
  const late = await call((Irp) => d.WskSend(Socket, wskBuf(text("x")), 0, Irp));
  assert.notEqual(late.Status, STATUS_SUCCESS);
  peer.close();
  await client.close();
  listener.close();
});

Deno.test("IoCancelIrp() on a pending receive completes it with STATUS_CANCELLED and loses no byte", async () => {
  const listener = listen();
  const client = new TestClient();
  // A receive event that refuses the data tells us, without sleeping, that "abc" is buffered.
  let buffered!: () => void;
  const arrived = new Promise<void>((r) => buffered = r);
  const events = {
    WskReceiveEvent: () => {
      buffered();
      return STATUS_DATA_NOT_ACCEPTED;
    },
    WskDisconnectEvent: null,
    WskSendBacklogEvent: null,
  };
  const [Socket, peer] = await Promise.all([
    client.connected("127.0.0.1", listener.addr.port, null, events),
    listener.accept(),
  ]);
  const d = connDispatch(Socket);
  assert.equal(enableEvents(Socket, WSK_EVENT_RECEIVE), STATUS_SUCCESS);
  await writeAll(peer, text("abc"));
  await arrived;
  // The WAITALL receive takes "abc" and waits for 7 more bytes; then it is cancelled.
  const waiting = start((Irp) =>
    d.WskReceive(Socket, wskBuf(new Uint8Array(10)), WSK_FLAG_WAITALL, Irp)
  );
  assert.equal(IoCancelIrp(waiting.Irp), true);
  const cancelled = await waiting.done;
  assert.deepEqual([cancelled.Status, cancelled.Information], [STATUS_CANCELLED, 0]);
  await writeAll(peer, text("def"));
  const buffer = new Uint8Array(6);
  const next = await call((Irp) => d.WskReceive(Socket, wskBuf(buffer), WSK_FLAG_WAITALL, Irp));
  assert.deepEqual(buffer.subarray(0, next.Information as number), text("abcdef"));
  peer.close();
  await client.closeSocket(Socket);
  await client.close();
  listener.close();
});

Deno.test("IoCancelIrp() on a pending connect completes it with STATUS_CANCELLED", async () => {
  const listener = listen();
  const client = new TestClient();
  const Socket = await client.socket();
  const d = connDispatch(Socket);
  await call((Irp) => d.WskBind(Socket, addr("0.0.0.0", 0), 0, Irp));
  const pending = start((Irp) =>
    d.WskConnect(Socket, addr("127.0.0.1", listener.addr.port), 0, Irp)
  );
  assert.equal(pending.returned, STATUS_PENDING);
  assert.equal(IoCancelIrp(pending.Irp), true);
  assert.equal((await pending.done).Status, STATUS_CANCELLED);
  await client.closeSocket(Socket);
  await client.close();
  listener.close();
});

Deno.test("a WSK_BUF longer than its MDL chain is a bug check, as on Windows", () =>
  withConnection(({ Socket }) => {
    const bytes = new Uint8Array(8);
    const Mdl = IoAllocateMdl(bytes, 8, false, false, null)!;
    MmBuildMdlForNonPagedPool(Mdl);
    const Irp = IoAllocateIrp(1, false)!;
    assert.throws(
      () => connDispatch(Socket).WskSend(Socket, { Mdl, Offset: 0, Length: 9 }, 0, Irp),
      (e: unknown) => e instanceof BugCheckError && e.BugCheckCode === 0xD1,
    );
    // So is a NULL PWSK_BUF: the provider dereferences it at once.
    assert.throws(
      () => connDispatch(Socket).WskReceive(Socket, null as unknown as WSK_BUF, 0, Irp),
      (e: unknown) => e instanceof BugCheckError && e.BugCheckCode === 0xD1,
    );
    IoFreeIrp(Irp);
    return Promise.resolve();
  }));

Deno.test("a zero-length WskReceive completes once data is waiting, and consumes none of it", () =>
  withConnection(async ({ Socket, d, peer }) => {
    const probe = start((Irp) => d.WskReceive(Socket, { Mdl: null, Offset: 0, Length: 0 }, 0, Irp));
    await writeAll(peer, text("data"));
    const c = await probe.done;
    assert.deepEqual([c.Status, c.Information], [STATUS_SUCCESS, 0]);
    const buffer = new Uint8Array(4);
    const got = await call((Irp) => d.WskReceive(Socket, wskBuf(buffer), WSK_FLAG_WAITALL, Irp));
    assert.deepEqual(buffer.subarray(0, got.Information as number), text("data"));
  }));

Deno.test("IoCancelIrp() on a send stalled by the peer completes it with STATUS_CANCELLED and resets the connection", () =>
  withConnection(async ({ Socket, d, peer }) => {
    // The peer reads nothing: a 64 MiB send cannot be handed to the kernel in full.
    const stalled = start((Irp) =>
      d.WskSend(Socket, wskBuf(new Uint8Array(64 * 1024 * 1024)), 0, Irp)
    );
    assert.equal(stalled.returned, STATUS_PENDING);
    assert.equal(IoCancelIrp(stalled.Irp), true);
    const c = await stalled.done;
    assert.deepEqual([c.Status, c.Information], [STATUS_CANCELLED, 0]);
    // Bytes already in TCP cannot be taken back, so the stream is aborted rather than cut short.
    const drained = await readAll(peer).then(() => "eof", (e) => e);
    assert.ok(drained instanceof Deno.errors.ConnectionReset, `peer saw ${drained}`);
  }));

Deno.test("WskSend honours WSK_FLAG_NODELAY and refuses flags it does not support", () =>
  withConnection(async ({ Socket, d, peer }) => {
    const sent = await call((Irp) => d.WskSend(Socket, wskBuf(text("now")), WSK_FLAG_NODELAY, Irp));
    assert.deepEqual([sent.Status, sent.Information], [STATUS_SUCCESS, 3]);
    assert.deepEqual(await readExactly(peer, 3), text("now"));
    const oob = await call((Irp) => d.WskSend(Socket, wskBuf(text("!")), WSK_FLAG_OOB, Irp));
    assert.equal(oob.Status, STATUS_NOT_SUPPORTED);
  }));

/**
 * The real transport, with a note of every stream a connect gave whose
 * receive was started (the moment wskemu begins reading the socket).
 */
function readingTransport(): { transport: Transport; reading: boolean[] } {
  const reading: boolean[] = [];
  const tcp = realTransport.tcp;
  const transport: Transport = {
    ...realTransport,
    tcp: {
      ...tcp,
      connect: async (options) => {
        const result = await tcp.connect(options);
        const stream = result.value;
        if (stream === null) return result;
        const at = reading.push(false) - 1;
        const receive = stream.receive.bind(stream);
        stream.receive = (receiver) => {
          reading[at] = true;
          receive(receiver);
        };
        return result;
      },
    },
  };
  return { transport, reading };
}

Deno.test("a connected socket reads once its connect completed, so a later backlog query sees what arrived", async () => {
  const { transport, reading } = readingTransport();
  const client = new TestClient(transport);
  const { Socket, peer } = await connectedToDeno(client);
  assert.deepEqual(reading, [true], "reading started with no receive, event or query");
  await writeAll(peer, text("hello"));
  const deadline = Date.now() + 5_000;
  // The bytes reach wskemu when the event loop polls: yield to it between queries.
  while (await receiveBacklog(Socket) < 5) {
    assert.ok(Date.now() < deadline, "backlog stuck");
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  peer.close();
  await client.closeSocket(Socket);
  await client.close();
});

Deno.test("a connect its completion routine closes never starts reading, and still resets the peer", async () => {
  const { transport, reading } = readingTransport();
  const client = new TestClient(transport);
  const listener = listen();
  // The reset may beat the accept (gVisor then fails the accept) or follow it.
  const sawReset = listener.accept().then(async (peer) => {
    try {
      return await peer.read(new Uint8Array(1)).then(
        () => false,
        (e) => e instanceof Deno.errors.ConnectionReset,
      );
    } finally {
      peer.close();
    }
  }, (e) => e instanceof Deno.errors.NotConnected || e instanceof Deno.errors.ConnectionReset);
  const Socket = await client.socket(
    AF_INET,
    WSK_FLAG_CONNECTION_SOCKET,
    SOCK_STREAM,
    IPPROTO_TCP,
    null,
    null,
  );
  const d = connDispatch(Socket);
  assert.equal(
    (await call((Irp) => d.WskBind(Socket, sockaddr("0.0.0.0", 0)!, 0, Irp))).Status,
    STATUS_SUCCESS,
  );
  const closed = Promise.withResolvers<number>();
  const closeIrp = IoAllocateIrp(1, false)!;
  IoSetCompletionRoutine(
    closeIrp,
    (_D, Irp) => {
      closed.resolve(Irp.IoStatus.Status);
      return STATUS_MORE_PROCESSING_REQUIRED;
    },
    null,
    true,
    true,
    true,
  );
  const connectIrp = IoAllocateIrp(1, false)!;
  IoSetCompletionRoutine(
    connectIrp,
    () => {
      d.WskCloseSocket(Socket, closeIrp);
      return STATUS_MORE_PROCESSING_REQUIRED;
    },
    null,
    true,
    true,
    true,
  );
  d.WskConnect(Socket, sockaddr("127.0.0.1", listener.addr.port)!, 0, connectIrp);
  assert.equal(await closed.promise, STATUS_SUCCESS);
  IoFreeIrp(connectIrp);
  IoFreeIrp(closeIrp);
  assert.equal(await sawReset, true, "the peer sees a reset");
  listener.close();
  assert.deepEqual(reading, [false]);
  await client.close();
});
