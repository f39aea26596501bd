// Copyright 2026 the wskemu authors. MIT license.
// A listening socket that fails reports it once, through onConnection's
// `failed`, while failures of single incoming connections leave it working.
// The failures are raised on a real node:net server, as node:net raises them.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import { STATUS_INVALID_PARAMETER, STATUS_UNEXPECTED_NETWORK_ERROR } from "../../irp/ntstatus.ts";
import { NodeTcpListener } from "../../transport/_tcp_listener.ts";
import { endpoint } from "../../transport/tcp.ts";
import type { TcpStream } from "../../transport/types.ts";

async function listeningServer(): Promise<{ server: Server; listener: NodeTcpListener }> {
  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const local = endpoint("127.0.0.1", (server.address() as { port: number }).port);
  return { server, listener: new NodeTcpListener(server, local, 16, false) };
}

function failure(code: string): Error {
  return Object.assign(new Error(code), { code });
}

Deno.test("a listener error reports the failure once, later, and frees the port", async () => {
  const { server, listener } = await listeningServer();
  const { port } = listener.localAddress;
  const statuses: number[] = [];
  const failed = Promise.withResolvers<void>();
  listener.onConnection(() => {}, (status) => {
    statuses.push(status);
    failed.resolve();
  });
  server.emit("error", failure("EINVAL"));
  server.emit("error", failure("EINVAL"));
  assert.deepEqual(statuses, [], "never from inside the failing event");
  await failed.promise;
  assert.deepEqual(statuses, [STATUS_INVALID_PARAMETER]);
  await assert.rejects(
    Deno.connect({ hostname: "127.0.0.1", port }),
    Deno.errors.ConnectionRefused,
  );
  listener.close();
});

Deno.test("per-connection accept errors leave the listener working", async () => {
  const { server, listener } = await listeningServer();
  let failed = false;
  const accepted = Promise.withResolvers<TcpStream>();
  listener.onConnection(accepted.resolve, () => failed = true);
  for (const code of ["ECONNABORTED", "EMFILE", "ENFILE", "ENOBUFS", "EPERM"]) {
    server.emit("error", failure(code));
  }
  const peer = await Deno.connect({ hostname: "127.0.0.1", port: listener.localAddress.port });
  const stream = await accepted.promise;
  assert.equal(failed, false);
  stream.close();
  peer.close();
  listener.close();
});

Deno.test("a server closed under the listener is a failure too; our own close() is not", async () => {
  const { server, listener } = await listeningServer();
  const failed = Promise.withResolvers<number>();
  listener.onConnection(() => {}, failed.resolve);
  server.close();
  assert.equal(await failed.promise, STATUS_UNEXPECTED_NETWORK_ERROR);
  listener.close();

  const second = await listeningServer();
  let reported = false;
  second.listener.onConnection(() => {}, () => reported = true);
  const closed = new Promise((resolve) => second.server.once("close", resolve));
  second.listener.close();
  await closed;
  assert.equal(reported, false);
});
