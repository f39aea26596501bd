// Copyright 2026 the wskemu authors. MIT license.
/**
 * {@linkcode TcpTransport.connect} over `node:net`, which (unlike
 * `Deno.connect`) can bind the local address before connecting.
 *
 * @module
 */
import { STATUS_CANCELLED, STATUS_SUCCESS } from "../irp/ntstatus.ts";
import type { NTSTATUS } from "../irp/ntstatus.ts";
import { statusFromError } from "./errors.ts";
import type { Result, TcpConnectOptions, TcpStream } from "./types.ts";
import { checkEndpoint } from "./_endpoint.ts";
import { NodeTcpStream, StreamSocket } from "./_tcp_stream.ts";

function failed(status: NTSTATUS): Result<TcpStream> {
  return { status, value: null };
}

/** Connect as {@linkcode TcpTransport.connect} describes; never throws or rejects. */
export function connectTcp(options: TcpConnectOptions): Promise<Result<TcpStream>> {
  const { remote, local, signal } = options;
  let status = checkEndpoint(remote);
  if (status === STATUS_SUCCESS && local !== undefined) status = checkEndpoint(local);
  if (status !== STATUS_SUCCESS) return Promise.resolve(failed(status));
  if (signal?.aborted) return Promise.resolve(failed(STATUS_CANCELLED));

  const stream = new NodeTcpStream();
  // A peer's FIN must not end our sending side: WSK can still send after it.
  const socket = new StreamSocket(stream, { allowHalfOpen: true });
  try {
    socket.connect({
      host: remote.hostname,
      port: remote.port,
      localAddress: local?.hostname,
      localPort: local?.port,
    });
  } catch (error) {
    // A permission denial or a bad argument may be thrown here rather than emitted.
    return Promise.resolve(failed(statusFromError(error)));
  }
  // No reading before receive(): the kernel holds early bytes, not us.
  socket.pause();

  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Result<TcpStream>): void => {
      settled = true;
      socket.off("connect", onConnect);
      signal?.removeEventListener("abort", onAbort);
      resolve(result);
    };
    const onConnect = (): void => {
      if (settled) return;
      // From here on the stream owns the socket and its 'error' events.
      socket.off("error", onError);
      // The addresses are read when first asked for: most connections never ask.
      stream.attach(socket, local ?? remote, remote, true);
      finish({ status: STATUS_SUCCESS, value: stream });
    };
    // Stays attached after a failure so that a late 'error' is never unhandled.
    const onError = (error: Error): void => {
      if (!settled) finish(failed(statusFromError(error)));
    };
    const onAbort = (): void => {
      if (settled) return;
      socket.destroy();
      finish(failed(STATUS_CANCELLED));
    };
    socket.once("connect", onConnect);
    socket.on("error", onError);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
