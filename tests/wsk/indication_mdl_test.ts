// Copyright 2026 the wskemu authors. MIT license.
// The MDLs of WskReceiveEvent indications: freed once the client consumed or
// released the data, and never an indication without one, even when MDL
// allocation fails (Driver Verifier's low resources simulation).
import assert from "node:assert/strict";
import {
  DriverVerifier,
  MmGetSystemAddressForMdlSafe,
  NormalPagePriority,
  outstandingMdls,
  STATUS_PENDING,
  STATUS_SUCCESS,
  type WSK_CLIENT_CONNECTION_DISPATCH,
  type WSK_DATA_INDICATION,
  WSK_EVENT_RECEIVE,
} from "../../mod.ts";
import { connDispatch, enableEvents, listen, TestClient, writeAll } from "../_wsk.ts";

/** The bytes of an indication chain; fails the test on an element without a usable MDL. */
function bytesOf(head: WSK_DATA_INDICATION | null): number[] {
  const out: number[] = [];
  for (let d = head; d; d = d.Next) {
    assert.ok(d.Buffer.Mdl, `an indication of ${d.Buffer.Length} bytes has no MDL`);
    const va = MmGetSystemAddressForMdlSafe(d.Buffer.Mdl, NormalPagePriority);
    assert.ok(va, "the MDL maps");
    out.push(...va.subarray(d.Buffer.Offset, d.Buffer.Offset + d.Buffer.Length));
  }
  return out;
}

/** A connected socket with `WskReceiveEvent` as its receive callback, and its Deno peer. */
async function connected(
  client: TestClient,
  WskReceiveEvent: WSK_CLIENT_CONNECTION_DISPATCH["WskReceiveEvent"],
) {
  const listener = listen();
  const dispatch = { WskReceiveEvent, WskDisconnectEvent: null, WskSendBacklogEvent: null };
  const [Socket, peer] = await Promise.all([
    client.connected("127.0.0.1", listener.addr.port, null, dispatch),
    listener.accept(),
  ]);
  listener.close();
  return { Socket, peer };
}

const TOTAL = 64 * 1024;

Deno.test("indications the client consumes or releases leave no MDL behind", async () => {
  const before = outstandingMdls();
  const client = new TestClient();
  let received = 0;
  const held: WSK_DATA_INDICATION[] = [];
  const all = Promise.withResolvers<void>();
  const { Socket, peer } = await connected(client, (_c, _f, DataIndication, BytesIndicated) => {
    if (!DataIndication) return STATUS_SUCCESS;
    received += BytesIndicated;
    if (received === TOTAL) all.resolve();
    // Every other indication is retained and released later.
    if (held.length * 2 < received / 1024) {
      held.push(DataIndication);
      return STATUS_PENDING;
    }
    return STATUS_SUCCESS;
  });
  enableEvents(Socket, WSK_EVENT_RECEIVE);
  for (let i = 0; i < TOTAL / 1024; i++) await writeAll(peer, new Uint8Array(1024));
  await all.promise;
  for (const d of held) assert.equal(connDispatch(Socket).WskRelease(Socket, d), STATUS_SUCCESS);
  peer.close();
  await client.closeSocket(Socket);
  await client.close();
  assert.equal(outstandingMdls(), before);
});

Deno.test("under low resources simulation every indication has a valid MDL and no byte is lost", async () => {
  const client = new TestClient();
  const got: number[] = [];
  const all = Promise.withResolvers<void>();
  const { Socket, peer } = await connected(client, (_c, _f, DataIndication) => {
    got.push(...bytesOf(DataIndication));
    if (got.length === TOTAL) all.resolve();
    return STATUS_SUCCESS;
  });
  const sent = new Uint8Array(TOTAL).map((_, i) => i * 7);
  DriverVerifier.lowResourcesProbability = 0.5;
  try {
    enableEvents(Socket, WSK_EVENT_RECEIVE);
    for (let at = 0; at < TOTAL; at += 4096) await writeAll(peer, sent.subarray(at, at + 4096));
    await all.promise;
  } finally {
    DriverVerifier.lowResourcesProbability = 0;
  }
  assert.deepEqual(got, [...sent]);
  peer.close();
  await client.closeSocket(Socket);
  await client.close();
});
