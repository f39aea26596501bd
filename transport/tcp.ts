// Copyright 2026 the wskemu authors. MIT license.
/**
 * TCP over real sockets: {@linkcode tcpTransport} connects and listens with
 * `node:net`, and every outcome is an NTSTATUS, never an exception.
 *
 * @module
 */
import type { TcpTransport } from "./types.ts";
import { connectTcp } from "./_tcp_connect.ts";
import { listenTcp } from "./_tcp_listener.ts";

export { endpoint } from "./_endpoint.ts";

/**
 * The TCP transport. `connect` binds `local` first when given (port 0 picks
 * one) and resolves STATUS_SUCCESS with a stream that reads nothing until
 * `receive()`; failures resolve the mapped status (STATUS_CONNECTION_REFUSED,
 * STATUS_ADDRESS_ALREADY_ASSOCIATED for a local address in use,
 * STATUS_ACCESS_DENIED without `--allow-net`, STATUS_CANCELLED when `signal`
 * aborts, STATUS_INVALID_PARAMETER for an endpoint that is not an IP literal
 * of its family). `listen` binds and listens; `"::"` is dual stack unless
 * `ipv6Only` (IPv4 peers then appear as `::ffff:a.b.c.d`, family 6).
 * Connections accepted before `onConnection()` wait, up to `backlog`
 * (default 511); later ones are reset. The kernel's listen queue is the
 * system's maximum (somaxconn, else 4096), so a burst of connects is not
 * reset. `exclusive` needs no action on Linux, which never shares a
 * listening port.
 *
 * Streams: `write` resolves when every byte reached the kernel, in order;
 * after `shutdownWrite` it gives STATUS_INVALID_DEVICE_STATE, after `abort`
 * STATUS_CONNECTION_ABORTED, after `close` STATUS_CANCELLED, after a reset
 * STATUS_CONNECTION_RESET. `close` is graceful only when both FINs were
 * exchanged, else it sends RST (as WskCloseSocket does).
 *
 * @example Echo one message over loopback
 * ```ts
 * import { endpoint, tcpTransport, type TcpReceiver } from "@wskemu/wsk/transport";
 * import assert from "node:assert/strict";
 *
 * const listening = await tcpTransport.listen({ local: endpoint("127.0.0.1", 0) });
 * assert.equal(listening.status, 0);
 * const listener = listening.value!;
 * listener.onConnection((server) => {
 *   server.receive({
 *     data: (bytes) => (server.write([bytes.slice()]), true),
 *     end: () => server.shutdownWrite().then(() => server.close()),
 *     error: () => server.close(),
 *   });
 * });
 *
 * const connected = await tcpTransport.connect({ remote: listener.localAddress });
 * assert.equal(connected.status, 0);
 * const client = connected.value!;
 * const received: number[] = [];
 * const ended = Promise.withResolvers<void>();
 * const receiver: TcpReceiver = {
 *   data: (bytes) => (received.push(...bytes), true),
 *   end: () => ended.resolve(),
 *   error: (status) => ended.reject(new Error(`0x${status.toString(16)}`)),
 * };
 * client.receive(receiver);
 * assert.equal(await client.write([new Uint8Array([1, 2]), new Uint8Array([3])]), 0);
 * assert.equal(await client.shutdownWrite(), 0);
 * await ended.promise;
 * assert.deepEqual(received, [1, 2, 3]);
 * client.close();
 * listener.close();
 * ```
 */
export const tcpTransport: TcpTransport = {
  connect: connectTcp,
  listen: listenTcp,
};
