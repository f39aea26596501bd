// Copyright 2026 the wskemu authors. MIT license.
// WSK over the fault-injecting transport: what it promises a driver under
// test (byte-exact data through slicing and latency, an exact reset point,
// refused connects, black holes, lost and doubled datagrams) holds end to end.
import assert from "node:assert/strict";
import dgram from "node:dgram";
import {
  IoCancelIrp,
  MAKE_WSK_VERSION,
  STATUS_CANCELLED,
  STATUS_CONNECTION_ABORTED,
  STATUS_CONNECTION_REFUSED,
  STATUS_CONNECTION_RESET,
  STATUS_INVALID_DEVICE_STATE,
  STATUS_INVALID_PARAMETER,
  STATUS_PENDING,
  STATUS_SUCCESS,
  WSK_FLAG_WAITALL,
  type WSK_PROVIDER_DATAGRAM_DISPATCH,
  WSK_REGISTRATION,
  wskRegisterWithTransport,
} from "../../mod.ts";
import { FaultTransport } from "../../testing/mod.ts";
import {
  addr,
  call,
  connDispatch,
  listen,
  listening,
  randomBytes,
  sha256,
  TestClient,
  wskBuf,
} from "../_wsk.ts";
import { assertStatus, connectedToPeer, readToEnd, receiveAll, sendAll } from "./_faults.ts";

const MiB = 1024 * 1024;

/** A Deno peer that echoes everything until EOF, then closes. */
async function echo(conn: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(256 * 1024);
  for (let n; (n = await conn.read(buffer)) !== null;) {
    for (let at = 0; at < n;) at += await conn.write(buffer.subarray(at, n));
  }
  conn.close();
}

Deno.test("64 MiB each way through random slices and latency arrive SHA-256-exact", async () => {
  const faults = new FaultTransport({ seed: 11, latencyMs: 2, maxSliceBytes: 48 * 1024 });
  const { Socket, d, peer, ledger, finish } = await connectedToPeer(faults);
  const echoed = echo(peer);
  const data = randomBytes(64 * MiB, 7);
  const [sent, received] = await Promise.all([
    sendAll(ledger, Socket, data, 4 * MiB),
    receiveAll(ledger, Socket, data.length),
  ]);
  assertStatus(sent, STATUS_SUCCESS, "every WskSend");
  assert.equal(received.length, data.length);
  assert.equal(received.sha256, await sha256(data));
  assertStatus((await call((Irp) => d.WskDisconnect(Socket, null, 0, Irp))).Status, 0, "FIN");
  await echoed;
  await finish();
});

Deno.test("a reset at byte N delivers exactly N bytes, then STATUS_CONNECTION_RESET to pending and later IRPs", async () => {
  const N = 100_003;
  const faults = new FaultTransport({ seed: 3, resetAtByte: N, maxSliceBytes: 4096 });
  const { Socket, d, peer, ledger, finish } = await connectedToPeer(faults);
  // The peer reads nothing, so this send is still in flight at the reset: the
  // fault transport fails it before it reports the reset, as node:net does.
  const big = ledger.start(
    "WskSend",
    (Irp) => d.WskSend(Socket, wskBuf(new Uint8Array(32 * MiB)), 0, Irp),
  );
  assert.equal(big.returned, STATUS_PENDING);
  const peerWrite = peer.write(randomBytes(4 * N, 1)).catch((error) => error);
  const received = await receiveAll(ledger, Socket);
  assert.equal(received.length, N, "exactly N bytes before the reset");
  assert.equal(received.sha256, await sha256(randomBytes(4 * N, 1).subarray(0, N)));
  assertStatus(received.ending, STATUS_CONNECTION_RESET, "the receive after byte N");
  assertStatus((await big.done).Status, STATUS_CONNECTION_RESET, "the send in flight");
  const later = ledger.start(
    "WskSend",
    (Irp) => d.WskSend(Socket, wskBuf(new Uint8Array(1)), 0, Irp),
  );
  assertStatus((await later.done).Status, STATUS_CONNECTION_RESET, "a later send");
  assert.equal(await readToEnd(peer), "ConnectionReset", "the peer was reset too");
  await peerWrite;
  await finish();
});

Deno.test("the Nth connect is refused with STATUS_CONNECTION_REFUSED; the others connect", async () => {
  const client = new TestClient(new FaultTransport({ refuseConnect: 2 }));
  const listener = listen();
  const accepted: Deno.Conn[] = [];
  const accepting = (async () => {
    for (let i = 0; i < 2; i++) accepted.push(await listener.accept());
  })();
  const first = await client.connected("127.0.0.1", listener.addr.port);
  const second = await client.socket();
  const d = connDispatch(second);
  await call((Irp) => d.WskBind(second, addr("0.0.0.0", 0), 0, Irp));
  const refused = await call((Irp) =>
    d.WskConnect(second, addr("127.0.0.1", listener.addr.port), 0, Irp)
  );
  assertStatus(refused.Status, STATUS_CONNECTION_REFUSED, "the second connect");
  const again = await call((Irp) =>
    d.WskConnect(second, addr("127.0.0.1", listener.addr.port), 0, Irp)
  );
  assertStatus(again.Status, STATUS_SUCCESS, "the third connect");
  await accepting;
  for (const conn of accepted) conn.close();
  await client.closeSocket(first);
  await client.closeSocket(second);
  await client.close();
  listener.close();
});

Deno.test("a black-holed connection holds sends and receives until IoCancelIrp, then the rest are aborted", async () => {
  const faults = new FaultTransport({ blackHoleStream: 1 });
  const { Socket, d, peer, ledger, finish } = await connectedToPeer(faults);
  await peer.write(new Uint8Array(1000)); // swallowed by the black hole
  const receive = ledger.start(
    "WskReceive",
    (Irp) => d.WskReceive(Socket, wskBuf(new Uint8Array(10)), 0, Irp),
  );
  const send = ledger.start(
    "WskSend",
    (Irp) => d.WskSend(Socket, wskBuf(new Uint8Array(10)), 0, Irp),
  );
  const second = ledger.start(
    "WskSend",
    (Irp) => d.WskSend(Socket, wskBuf(new Uint8Array(10)), 0, Irp),
  );
  assert.deepEqual([receive.returned, send.returned, second.returned], [
    STATUS_PENDING,
    STATUS_PENDING,
    STATUS_PENDING,
  ]);
  assert.equal(IoCancelIrp(receive.Irp), true);
  assertStatus((await receive.done).Status, STATUS_CANCELLED, "the cancelled receive");
  // Cancelling a send aborts the connection: the other send is aborted with it.
  assert.equal(IoCancelIrp(send.Irp), true);
  assertStatus((await send.done).Status, STATUS_CANCELLED, "the cancelled send");
  assertStatus((await second.done).Status, STATUS_CONNECTION_ABORTED, "the send behind it");
  await finish();
});

/** A node:dgram peer that counts datagrams by their first byte; 255 marks the end. */
async function udpPeer(): Promise<
  { port: number; seen: Map<number, number>; ended: Promise<void>; close(): void }
> {
  const socket = dgram.createSocket("udp4");
  const seen = new Map<number, number>();
  const ended = Promise.withResolvers<void>();
  socket.on("message", (message) => {
    if (message[0] === 255) ended.resolve();
    else seen.set(message[0]!, (seen.get(message[0]!) ?? 0) + 1);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return { port: socket.address().port, seen, ended: ended.promise, close: () => socket.close() };
}

Deno.test("datagrams are lost or doubled as the seed decides, and the same seed decides the same", async () => {
  const outcome = async (seed: number) => {
    const client = new TestClient(
      new FaultTransport({ seed, udpDropRate: 0.3, udpDuplicateRate: 0.3 }),
    );
    const peer = await udpPeer();
    const Socket = await client.boundDatagram();
    const d = Socket.Dispatch as WSK_PROVIDER_DATAGRAM_DISPATCH;
    for (let i = 0; i < 100; i++) {
      const sent = await call((Irp) =>
        d.WskSendTo(
          Socket,
          wskBuf(new Uint8Array([i])),
          0,
          addr("127.0.0.1", peer.port),
          0,
          null,
          Irp,
        )
      );
      assertStatus(sent.Status, STATUS_SUCCESS, "WskSendTo, lost or not");
    }
    // A datagram from another socket, sent after ours reached the peer's queue, marks the end.
    const end = dgram.createSocket("udp4");
    end.send(new Uint8Array([255]), peer.port, "127.0.0.1");
    await peer.ended;
    end.close();
    peer.close();
    await client.closeSocket(Socket);
    await client.close();
    return peer.seen;
  };
  const seen = await outcome(5);
  const counts = [...seen.values()];
  assert.ok(seen.size < 100 && seen.size > 40, `some lost, most arrive (${seen.size} of 100)`);
  assert.ok(counts.includes(2), "some doubled");
  assert.ok(counts.every((n) => n === 1 || n === 2));
  assert.deepEqual(await outcome(5), seen, "seed 5 replays the same losses and doubles");
});

Deno.test("wskRegisterWithTransport refuses a transport that lacks a function, and registers nothing", () => {
  const Dispatch = { Version: MAKE_WSK_VERSION(1, 0), Reserved: 0, WskClientEvent: null };
  const WskRegistration = new WSK_REGISTRATION();
  const broken = { ...new FaultTransport(), udp: {} } as unknown as FaultTransport;
  assertStatus(
    wskRegisterWithTransport({ ClientContext: null, Dispatch }, WskRegistration, broken),
    STATUS_INVALID_PARAMETER,
    "a transport without udp.bind",
  );
  assert.equal(WskRegistration.ReservedRegistrationContext, null);
});

Deno.test("a listener that dies resets the connections waiting for a WskAccept that can no longer come", async () => {
  const client = new TestClient(new FaultTransport({ failListenerAfter: 2 }));
  const { Socket, d, port } = await listening(client);
  // The reset may reach a peer before its connect returns (netstack) or after.
  const outcome = async () => {
    try {
      const peer = await Deno.connect({ hostname: "127.0.0.1", port });
      try {
        return await readToEnd(peer);
      } finally {
        peer.close();
      }
    } catch (error) {
      return (error as Error).name;
    }
  };
  assert.deepEqual(await Promise.all([outcome(), outcome()]), [
    "ConnectionReset",
    "ConnectionReset",
  ]);
  const late = await call((Irp) => d.WskAccept(Socket, 0, null, null, null, null, Irp));
  assertStatus(late.Status, STATUS_INVALID_DEVICE_STATE, "a WskAccept after the death");
  await client.closeSocket(Socket);
  await client.close();
});

Deno.test("WAITALL receives fill exactly over 1-to-13-byte slices, for 8 seeds", async () => {
  const size = 256 * 1024;
  for (let seed = 1; seed <= 8; seed++) {
    const faults = new FaultTransport({ seed, maxSliceBytes: 13 });
    const { Socket, d, peer, ledger, finish } = await connectedToPeer(faults);
    const data = randomBytes(size, seed);
    const writing = peer.write(data);
    const buffer = new Uint8Array(size);
    for (let at = 0; at < size;) {
      const want = Math.min(size - at, 1000 + seed * 777);
      const { Status, Information } = await ledger.start(
        "WskReceive WAITALL",
        (Irp) => d.WskReceive(Socket, wskBuf(buffer, at, want), WSK_FLAG_WAITALL, Irp),
      ).done;
      assertStatus(Status, STATUS_SUCCESS, `seed ${seed}`);
      assert.equal(Information, want, `seed ${seed}: a WAITALL receive fills its buffer`);
      at += want;
    }
    await writing;
    assert.equal(await sha256(buffer), await sha256(data), `seed ${seed}`);
    await finish();
  }
});
