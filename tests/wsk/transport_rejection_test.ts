// Copyright 2026 the wskemu authors. MIT license.
// A transport whose promises reject (a broken or fault-injecting transport)
// never leaves an IRP pending: each completes with the status the error maps
// to, and the socket's later calls still run.
import assert from "node:assert/strict";
import {
  AF_INET,
  IPPROTO_TCP,
  SOCK_STREAM,
  sockaddr,
  STATUS_ADDRESS_ALREADY_ASSOCIATED,
  STATUS_CONNECTION_REFUSED,
  STATUS_CONNECTION_RESET,
  STATUS_NETWORK_UNREACHABLE,
  STATUS_SUCCESS,
  WSK_FLAG_LISTEN_SOCKET,
  type WSK_PROVIDER_DATAGRAM_DISPATCH,
} from "../../mod.ts";
import {
  realTransport,
  type TcpStream,
  type TcpTransport,
  type Transport,
  type UdpSocket,
  type UdpTransport,
} from "../../transport/mod.ts";
import { call, connDispatch, connectedToDeno, TestClient, wskBuf } from "../_wsk.ts";

/** An error as node:net reports one, with its errno code. */
function failure(code: string): Error {
  return Object.assign(new Error(`fake ${code}`), { code });
}

/** The real transport with some of its functions replaced. */
function faulty(
  tcp: Partial<TcpTransport> = {},
  udp: Partial<UdpTransport> = {},
): Transport {
  return {
    tcp: { ...realTransport.tcp, ...tcp },
    udp: { ...realTransport.udp, ...udp },
    dns: realTransport.dns,
  };
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
  const client = new TestClient(
    faulty({ connect: () => Promise.reject(failure("ECONNREFUSED")) }),
  );
  const Socket = await client.socket();
  const d = connDispatch(Socket);
  assert.equal(
    (await call((Irp) => d.WskBind(Socket, sockaddr("0.0.0.0", 0)!, 0, Irp))).Status,
    STATUS_SUCCESS,
  );
  const connect = await call((Irp) => d.WskConnect(Socket, sockaddr("127.0.0.1", 9)!, 0, Irp));
  assert.equal(connect.Status, STATUS_CONNECTION_REFUSED);
  await client.closeSocket(Socket);
  await client.close();
});

Deno.test("rejected writes complete WskSend and WskDisconnect with the mapped status, one after another", async () => {
  const client = new TestClient(faulty({
    connect: async (options) => {
      const result = await realTransport.tcp.connect(options);
      return { ...result, value: result.value && rejectingWrites(result.value) };
    },
  }));
  const { Socket, peer } = await connectedToDeno(client);
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
  await client.close();
});

Deno.test("a rejected listen completes WskBind on a listening socket with the mapped status", async () => {
  const client = new TestClient(faulty({ listen: () => Promise.reject(failure("EADDRINUSE")) }));
  const Socket = await client.socket(AF_INET, WSK_FLAG_LISTEN_SOCKET, SOCK_STREAM, IPPROTO_TCP);
  const d = connDispatch(Socket);
  const bound = await call((Irp) => d.WskBind(Socket, sockaddr("127.0.0.1", 0)!, 0, Irp));
  assert.equal(bound.Status, STATUS_ADDRESS_ALREADY_ASSOCIATED);
  await client.closeSocket(Socket);
  await client.close();
});

Deno.test("a rejected UDP send completes its WskSendTo and does not block the sends after it", async () => {
  let failures = 1;
  const client = new TestClient(faulty({}, {
    bind: async (options) => {
      const result = await realTransport.udp.bind(options);
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
    },
  }));
  const Socket = await client.boundDatagram();
  const d = Socket.Dispatch as WSK_PROVIDER_DATAGRAM_DISPATCH;
  const to = sockaddr("127.0.0.1", 9)!;
  const bytes = wskBuf(new Uint8Array(4));
  const [first, second] = await Promise.all([
    call((Irp) => d.WskSendTo(Socket, bytes, 0, to, 0, null, Irp)),
    call((Irp) => d.WskSendTo(Socket, bytes, 0, to, 0, null, Irp)),
  ]);
  assert.equal(first.Status, STATUS_NETWORK_UNREACHABLE);
  assert.equal(second.Status, STATUS_SUCCESS);
  await client.closeSocket(Socket);
  await client.close();
});
