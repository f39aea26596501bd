// Copyright 2026 the wskemu authors. MIT license.
// The MDLs of WskReceiveEvent indications: freed once the client consumed or
// released the data, and never an indication without one, even when MDL
// allocation fails (Driver Verifier's low resources simulation).
import assert from "node:assert/strict";
import {
  DriverVerifier,
  outstandingMdls,
  STATUS_PENDING,
  STATUS_SUCCESS,
  type WSK_DATA_INDICATION,
  WSK_EVENT_RECEIVE,
} from "../../mod.ts";
import { connDispatch, enableEvents, TestClient, writeAll } from "../_wsk.ts";
import { bytesOf, connectedWithEvents } from "./_connected.ts";

const TOTAL = 64 * 1024;

Deno.test("indications the client consumes or releases leave no MDL behind", async () => {
  const before = outstandingMdls();
  const client = new TestClient();
  let received = 0;
  const held: WSK_DATA_INDICATION[] = [];
  const all = Promise.withResolvers<void>();
  const { Socket, peer } = await connectedWithEvents(client, {
    WskReceiveEvent: (_c, _f, DataIndication, BytesIndicated) => {
      if (!DataIndication) return STATUS_SUCCESS;
      received += BytesIndicated;
      if (received === TOTAL) all.resolve();
      // Every other indication is retained and released later.
      if (held.length * 2 < received / 1024) {
        held.push(DataIndication);
        return STATUS_PENDING;
      }
      return STATUS_SUCCESS;
    },
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
  const { Socket, peer } = await connectedWithEvents(client, {
    WskReceiveEvent: (_c, _f, DataIndication) => {
      got.push(...bytesOf(DataIndication));
      if (got.length === TOTAL) all.resolve();
      return STATUS_SUCCESS;
    },
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
