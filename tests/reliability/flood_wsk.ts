// Copyright 2026 the wskemu authors. MIT license.
// The WSK side of the flood tests, run as its own process with
// --v8-flags=--expose-gc so that it can measure the memory reachable after a
// full GC. It prints one JSON line with its figures and exits.
//
//   flood_wsk.ts tcp <port>            connect, post no receive until the
//                                      buffer bound is reached, measure, then
//                                      drain the stream to its end
//   flood_wsk.ts udp                   bind, print the port, take no datagram
//   flood_wsk.ts udp-retained          bind, print the port, retain every
//                                      indication (STATUS_PENDING)
// For udp modes the flood is over when stdin closes.
import {
  AF_INET,
  IPPROTO_UDP,
  SOCK_DGRAM,
  STATUS_PENDING,
  STATUS_SUCCESS,
  type WSK_CLIENT_DATAGRAM_DISPATCH,
  type WSK_DATAGRAM_INDICATION,
  WSK_EVENT_RECEIVE_FROM,
  WSK_FLAG_DATAGRAM_SOCKET,
  type WSK_PROVIDER_DATAGRAM_DISPATCH,
  type WSK_SOCKET,
} from "../../mod.ts";
import type { ConnectionSocket } from "../../wsk/_connection.ts";
import type { DatagramSocket } from "../../wsk/_datagram.ts";
import { addr, call, connDispatch, enableEvents, TestClient, wskBuf } from "../_wsk.ts";
import { receiveBacklog } from "../wsk/_connected.ts";

/** Memory after a full GC, in bytes. */
export interface Memory {
  /** V8 heap in use. */
  heapUsed: number;
  /** Memory of ArrayBuffers and other objects outside the V8 heap. */
  external: number;
  /** Resident set size of the process. */
  rss: number;
}

/** What the process prints. */
export interface FloodReport {
  /** Memory before the flood. */
  before: Memory;
  /** Memory at the height of the flood. */
  during: Memory;
  /** TCP: bytes buffered by WSK when the bound stopped the reads. */
  buffered?: number;
  /** TCP: bytes drained after the measurement (the whole stream). */
  drained?: number;
  /** UDP: datagrams that reached the socket, were dropped, were indicated and retained. */
  received?: number;
  dropped?: number;
  retained?: number;
}

const gc = (globalThis as unknown as { gc?: () => void }).gc;

function measure(): Memory {
  if (!gc) throw new Error("run with --v8-flags=--expose-gc");
  gc();
  gc();
  const { heapUsed, external, rss } = Deno.memoryUsage();
  return { heapUsed, external, rss };
}

async function tcp(port: number): Promise<FloodReport> {
  const client = new TestClient();
  const Socket = await client.connected("127.0.0.1", port);
  const d = connDispatch(Socket);
  const before = measure();
  // No receive is posted. There is no event for "the transport is paused";
  // the backlog reaching the bound is what pauses it, so poll for that, with
  // a deadline.
  const bound = (Socket as unknown as ConnectionSocket).receiveLimit;
  const deadline = Date.now() + 20_000;
  let buffered = await receiveBacklog(Socket);
  for (; buffered < bound; buffered = await receiveBacklog(Socket)) {
    if (Date.now() > deadline) throw new Error(`backlog stuck at ${buffered} of ${bound}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  const during = measure();
  const buffer = new Uint8Array(1024 * 1024);
  const into = wskBuf(buffer);
  let drained = 0;
  for (;;) {
    const c = await call((Irp) => d.WskReceive(Socket, into, 0, Irp));
    if (c.Status !== STATUS_SUCCESS) throw new Error(`receive failed: 0x${c.Status.toString(16)}`);
    if (c.Information === 0) break;
    drained += c.Information as number;
  }
  await client.closeSocket(Socket);
  await client.close();
  return { before, during, buffered, drained };
}

async function udp(retain: boolean): Promise<FloodReport> {
  const client = new TestClient();
  const retained: WSK_DATAGRAM_INDICATION[] = [];
  const events: WSK_CLIENT_DATAGRAM_DISPATCH = {
    WskReceiveFromEvent: (_context, _flags, DataIndication) => {
      if (!DataIndication) return STATUS_SUCCESS;
      retained.push(DataIndication);
      return STATUS_PENDING;
    },
  };
  const Socket: WSK_SOCKET = await client.socket(
    AF_INET,
    WSK_FLAG_DATAGRAM_SOCKET,
    SOCK_DGRAM,
    IPPROTO_UDP,
    null,
    retain ? events : null,
  );
  const d = Socket.Dispatch as WSK_PROVIDER_DATAGRAM_DISPATCH;
  await call((Irp) => d.WskBind(Socket, addr("127.0.0.1", 0), 0, Irp));
  if (retain) enableEvents(Socket, WSK_EVENT_RECEIVE_FROM);
  const local = { sin_port: 0 };
  await call((Irp) => d.WskGetLocalAddress(Socket, local, Irp));
  const before = measure();
  console.log(((local.sin_port & 0xff) << 8) | (local.sin_port >> 8));
  for await (const _ of Deno.stdin.readable) { /* the flood runs until stdin closes */ }
  const during = measure();
  const stats = (Socket as unknown as DatagramSocket).receiver.stats;
  const report = {
    before,
    during,
    received: stats.received,
    dropped: stats.dropped,
    retained: retained.length,
  };
  for (const list of retained.splice(0)) d.WskRelease(Socket, list);
  await client.closeSocket(Socket);
  await client.close();
  return report;
}

if (import.meta.main) {
  const [mode, port] = Deno.args;
  const report = mode === "tcp" ? await tcp(Number(port)) : await udp(mode === "udp-retained");
  console.log(JSON.stringify(report));
}
