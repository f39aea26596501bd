// Copyright 2026 the wskemu authors. MIT license.
// Faults on real sockets: a peer killed mid-transfer, a peer's RST under
// pending sends and receives, a connection whose packets iptables drops, a
// listener closed under 100 accepts. Each IRP gets the right status and
// completes exactly once.
import assert from "node:assert/strict";
import net from "node:net";
import {
  STATUS_CANCELLED,
  STATUS_CONNECTION_ABORTED,
  STATUS_CONNECTION_RESET,
  STATUS_PENDING,
  STATUS_SUCCESS,
  WSK_FLAG_ABORTIVE,
} from "../../mod.ts";
import { namespacesWork, probeInNamespace, withNamespace } from "../_netns.ts";
import { connDispatch, listening, TestClient, wskBuf } from "../_wsk.ts";
import { assertStatus, connectedToPeer, Ledger, readToEnd, receiveAll } from "./_faults.ts";

const MiB = 1024 * 1024;

/** Starts `_kill_peer.ts` and returns it with the port it listens on. */
async function killablePeer(): Promise<{ port: number; child: Deno.ChildProcess }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", new URL("./_kill_peer.ts", import.meta.url).pathname],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let line = "";
  while (!line.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the peer exited before it listened");
    line += value;
  }
  await reader.cancel();
  return { port: Number(line.trim()), child };
}

Deno.test("a peer killed with SIGKILL mid-transfer resets pending and later IRPs", async () => {
  const { port, child } = await killablePeer();
  const client = new TestClient();
  const ledger = new Ledger();
  const Socket = await client.connected("127.0.0.1", port);
  const d = connDispatch(Socket);
  // The peer never reads: this send stays in flight, and its unread bytes make its death an RST.
  const send = ledger.start(
    "WskSend",
    (Irp) => d.WskSend(Socket, wskBuf(new Uint8Array(32 * MiB)), 0, Irp),
  );
  assert.equal(send.returned, STATUS_PENDING);
  const before = await receiveAll(ledger, Socket, 2 * MiB);
  assert.equal(before.length, 2 * MiB);
  child.kill("SIGKILL");
  assert.equal((await child.status).signal, "SIGKILL");
  const after = await receiveAll(ledger, Socket);
  assertStatus(after.ending, STATUS_CONNECTION_RESET, "the receive that meets the death");
  assertStatus((await send.done).Status, STATUS_CONNECTION_RESET, "the send in flight");
  const later = ledger.start(
    "WskSend",
    (Irp) => d.WskSend(Socket, wskBuf(new Uint8Array(1)), 0, Irp),
  );
  assertStatus((await later.done).Status, STATUS_CONNECTION_RESET, "a later send");
  await client.closeSocket(Socket);
  await ledger.settle();
  await client.close();
});

Deno.test("a peer's RST under pending sends, receives and a graceful disconnect completes them all STATUS_CONNECTION_RESET", async () => {
  // The peer resets once our first bytes reach it: by then 32 MiB are queued
  // behind them and two receives wait. node:net fails the queued write with
  // ECANCELED before it reports ECONNRESET; no IRP may see STATUS_CANCELLED.
  const server = net.createServer((socket) => {
    socket.on("error", () => {});
    socket.once("readable", () => socket.resetAndDestroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const client = new TestClient();
  const ledger = new Ledger();
  const Socket = await client.connected("127.0.0.1", (server.address() as net.AddressInfo).port);
  const d = connDispatch(Socket);
  const receives = [1, 2].map(() =>
    ledger.start("WskReceive", (Irp) => d.WskReceive(Socket, wskBuf(new Uint8Array(100)), 0, Irp))
  );
  const sends = [16, 16].map((size) =>
    ledger.start("WskSend", (Irp) => d.WskSend(Socket, wskBuf(new Uint8Array(size * MiB)), 0, Irp))
  );
  const fin = ledger.start("WskDisconnect", (Irp) => d.WskDisconnect(Socket, null, 0, Irp));
  for (const [i, c] of [...receives, ...sends, fin].entries()) {
    assertStatus((await c.done).Status, STATUS_CONNECTION_RESET, `pending IRP ${i}`);
  }
  const later = [
    ledger.start("WskSend", (Irp) => d.WskSend(Socket, wskBuf(new Uint8Array(1)), 0, Irp)),
    ledger.start("WskReceive", (Irp) => d.WskReceive(Socket, wskBuf(new Uint8Array(1)), 0, Irp)),
  ];
  for (const c of later) {
    assertStatus((await c.done).Status, STATUS_CONNECTION_RESET, "a later IRP");
  }
  await client.closeSocket(Socket);
  await ledger.settle();
  await client.close();
  await new Promise((resolve) => server.close(resolve));
});

Deno.test("our own abortive disconnect under a pending send completes it STATUS_CONNECTION_ABORTED", async () => {
  const { Socket, d, peer, ledger, finish } = await connectedToPeer();
  // The peer reads nothing: the send stays in flight until the abort.
  const send = ledger.start(
    "WskSend",
    (Irp) => d.WskSend(Socket, wskBuf(new Uint8Array(32 * MiB)), 0, Irp),
  );
  const receive = ledger.start(
    "WskReceive",
    (Irp) => d.WskReceive(Socket, wskBuf(new Uint8Array(10)), 0, Irp),
  );
  const abort = ledger.start(
    "WskDisconnect",
    (Irp) => d.WskDisconnect(Socket, null, WSK_FLAG_ABORTIVE, Irp),
  );
  assertStatus((await abort.done).Status, STATUS_SUCCESS, "the abortive disconnect");
  assertStatus((await send.done).Status, STATUS_CONNECTION_ABORTED, "the send in flight");
  assertStatus((await receive.done).Status, STATUS_CONNECTION_ABORTED, "the pending receive");
  const later = ledger.start(
    "WskSend",
    (Irp) => d.WskSend(Socket, wskBuf(new Uint8Array(1)), 0, Irp),
  );
  assertStatus((await later.done).Status, STATUS_CONNECTION_ABORTED, "a later send");
  assert.equal(await readToEnd(peer), "ConnectionReset");
  await finish();
});

Deno.test("closing a listening socket with 100 accepts pending cancels them in posting order, then completes", async () => {
  const client = new TestClient();
  const ledger = new Ledger();
  const { Socket, d } = await listening(client);
  const order: string[] = [];
  const accepts = Array.from({ length: 100 }, (_, i) => {
    const c = ledger.start(
      `WskAccept ${i}`,
      (Irp) => d.WskAccept(Socket, 0, null, null, null, null, Irp),
    );
    c.done.then(({ Status }) =>
      order.push(`${i}:${Status === STATUS_CANCELLED ? "cancelled" : Status}`)
    );
    return c;
  });
  assert.ok(accepts.every((c) => c.returned === STATUS_PENDING));
  const close = ledger.start("WskCloseSocket", (Irp) => d.WskCloseSocket(Socket, Irp));
  close.done.then(({ Status }) => order.push(`close:${Status === STATUS_SUCCESS ? "ok" : Status}`));
  await close.done;
  assert.deepEqual(order, [...Array.from({ length: 100 }, (_, i) => `${i}:cancelled`), "close:ok"]);
  await ledger.settle();
  await client.close();
});

Deno.test({
  name:
    "iptables DROP in our own namespace, then IoCancelIrp: cancelled IRPs STATUS_CANCELLED, the rest aborted",
  // Root, iproute2 that can make a namespace, and iptables inside it.
  ignore: !(await namespacesWork("iptables", "-S")),
  async fn() {
    await withNamespace(async (ns) => {
      const probe = await probeInNamespace(ns, new URL("./_drop_probe.ts", import.meta.url));
      assert.ok(probe.success, "the probe ran and every IRP completed exactly once");
      assert.deepEqual(JSON.parse(new TextDecoder().decode(probe.stdout)), {
        returned: true,
        receive: "STATUS_CANCELLED (0xC0000120)",
        send: "STATUS_CANCELLED (0xC0000120)",
        behind: "STATUS_CONNECTION_ABORTED (0xC0000241)",
      });
    });
  },
});
