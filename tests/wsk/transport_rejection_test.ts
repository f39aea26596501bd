// Copyright 2026 the wskemu authors. MIT license.
// A transport whose promises reject (a broken or fault-injecting transport)
// never leaves an IRP pending: each completes with the status the error maps
// to, and the socket's later calls still run.
import assert from "node:assert/strict";
import {
  AF_INET,
  IPPROTO_TCP,
  IPPROTO_UDP,
  SOCK_DGRAM,
  SOCK_STREAM,
  sockaddr,
  STATUS_CONNECTION_REFUSED,
  STATUS_CONNECTION_RESET,
  STATUS_NETWORK_UNREACHABLE,
  STATUS_SUCCESS,
  WSK_FLAG_DATAGRAM_SOCKET,
  WSK_FLAG_LISTEN_SOCKET,
  type WSK_PROVIDER_DATAGRAM_DISPATCH,
} from "../../mod.ts";
import { tcpTransport } from "../../transport/tcp.ts";
import { udpTransport } from "../../transport/udp.ts";
import type { TcpStream, UdpSocket } from "../../transport/types.ts";
import { call, connDispatch, listen, TestClient, wskBuf } from "../_wsk.ts";

/** An error as node:net reports one, with its errno code. */
function failure(code: string): Error {
  return Object.assign(new Error(`fake ${code}`), { code });
}

/** Replaces `object[key]` for the duration of `body`. */
async function replaced<T extends object, K extends keyof T>(
  object: T,
  key: K,
  value: T[K],
  body: () => Promise<void>,
): Promise<void> {
  const original = object[key];
  object[key] = value;
  try {
    await body();
  } finally {
    object[key] = original;
  }
}

/** `stream` with `write` (and `shutdownWrite`) rejecting with ECONNRESET. */
function rejectingWrites(stream: TcpStream): TcpStream {
  return {
    get localAddress() {
      return stream.localAddress;
    },
    get remoteAddress() {
      return stream.remoteAddress;
    },
    get writeQueueSize() {
      return stream.writeQueueSize;
    },
    receive: (receiver) => stream.receive(receiver),
    pause: () => stream.pause(),
    resume: () => stream.resume(),
    write: () => Promise.reject(failure("ECONNRESET")),
    shutdownWrite: () => Promise.reject(failure("ECONNRESET")),
    abort: () => stream.abort(),
    close: () => stream.close(),
    setNoDelay: (on) => stream.setNoDelay(on),
    setKeepAlive: (on) => stream.setKeepAlive(on),
  };
}

Deno.test("a rejected transport connect completes WskConnect with the mapped status", async () => {
  const client = new TestClient();
  await replaced(
    tcpTransport,
    "connect",
    () => Promise.reject(failure("ECONNREFUSED")),
    async () => {
      const Socket = await client.socket();
      const d = connDispatch(Socket);
      assert.equal(
        (await call((Irp) => d.WskBind(Socket, sockaddr("0.0.0.0", 0)!, 0, Irp))).Status,
        STATUS_SUCCESS,
      );
      const connect = await call((Irp) => d.WskConnect(Socket, sockaddr("127.0.0.1", 9)!, 0, Irp));
      assert.equal(connect.Status, STATUS_CONNECTION_REFUSED);
      await client.closeSocket(Socket);
    },
  );
  await client.close();
});

Deno.test("rejected writes complete WskSend and WskDisconnect with the mapped status, one after another", async () => {
  const listener = listen();
  const client = new TestClient();
  const connect = tcpTransport.connect;
  const faulty: typeof connect = async (options) => {
    const result = await connect(options);
    return { ...result, value: result.value && rejectingWrites(result.value) };
  };
  await replaced(tcpTransport, "connect", faulty, async () => {
    const [Socket, peer] = await Promise.all([
      client.connected("127.0.0.1", listener.addr.port),
      listener.accept(),
    ]);
    const d = connDispatch(Socket);
    const bytes = wskBuf(new Uint8Array(8));
    const sends = await Promise.all(
      [1, 2, 3].map(() => call((Irp) => d.WskSend(Socket, bytes, 0, Irp))),
    );
    assert.deepEqual(sends.map((c) => c.Status), Array(3).fill(STATUS_CONNECTION_RESET));
    const disconnect = await call((Irp) => d.WskDisconnect(Socket, null, 0, Irp));
    assert.equal(disconnect.Status, STATUS_CONNECTION_RESET);
    await client.closeSocket(Socket);
    peer.close();
  });
  await client.close();
  listener.close();
});

Deno.test("a rejected listen completes WskBind on a listening socket with the mapped status", async () => {
  const client = new TestClient();
  await replaced(tcpTransport, "listen", () => Promise.reject(failure("EADDRINUSE")), async () => {
    const Socket = await client.socket(AF_INET, WSK_FLAG_LISTEN_SOCKET, SOCK_STREAM, IPPROTO_TCP);
    const d = connDispatch(Socket);
    const bound = await call((Irp) => d.WskBind(Socket, sockaddr("127.0.0.1", 0)!, 0, Irp));
    assert.notEqual(bound.Status, STATUS_SUCCESS);
    await client.closeSocket(Socket);
  });
  await client.close();
});

Deno.test("a rejected UDP send completes its WskSendTo and does not block the sends after it", async () => {
  const client = new TestClient();
  const bind = udpTransport.bind;
  let failures = 1;
  const faulty: typeof bind = async (options) => {
    const result = await bind(options);
    const udp = result.value;
    if (!udp) return result;
    const flaky: UdpSocket = {
      get localAddress() {
        return udp.localAddress;
      },
      receive: (receiver) => udp.receive(receiver),
      send: (chunks, to) =>
        failures-- > 0 ? Promise.reject(failure("ENETUNREACH")) : udp.send(chunks, to),
      setBroadcast: (on) => udp.setBroadcast(on),
      close: () => udp.close(),
    };
    return { ...result, value: flaky };
  };
  await replaced(udpTransport, "bind", faulty, async () => {
    const Socket = await client.socket(AF_INET, WSK_FLAG_DATAGRAM_SOCKET, SOCK_DGRAM, IPPROTO_UDP);
    const d = Socket.Dispatch as WSK_PROVIDER_DATAGRAM_DISPATCH;
    const any = sockaddr("127.0.0.1", 0)!;
    assert.equal((await call((Irp) => d.WskBind(Socket, any, 0, Irp))).Status, STATUS_SUCCESS);
    const to = sockaddr("127.0.0.1", 9)!;
    const bytes = wskBuf(new Uint8Array(4));
    const [first, second] = await Promise.all([
      call((Irp) => d.WskSendTo(Socket, bytes, 0, to, 0, null, Irp)),
      call((Irp) => d.WskSendTo(Socket, bytes, 0, to, 0, null, Irp)),
    ]);
    assert.equal(first.Status, STATUS_NETWORK_UNREACHABLE);
    assert.equal(second.Status, STATUS_SUCCESS);
    await client.closeSocket(Socket);
  });
  await client.close();
});
