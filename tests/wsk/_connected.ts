// Copyright 2026 the wskemu authors. MIT license.
// Test helpers for connection sockets with event callbacks: a connected socket
// with its callbacks, the bytes of an indication list, the receive backlog.
import {
  MmGetSystemAddressForMdlSafe,
  NormalPagePriority,
  SIO_WSK_QUERY_RECEIVE_BACKLOG,
  type WSK_CLIENT_CONNECTION_DISPATCH,
  type WSK_DATA_INDICATION,
  type WSK_SOCKET,
  WskIoctl,
} from "../../mod.ts";
import { call, concatBytes, connDispatch, connectedToDeno, type TestClient } from "../_wsk.ts";

/** A socket connected to a Deno peer, with `events` as its connection callbacks (the rest NULL). */
export async function connectedWithEvents(
  client: TestClient,
  events: Partial<WSK_CLIENT_CONNECTION_DISPATCH>,
  context: unknown = null,
): Promise<{ Socket: WSK_SOCKET; peer: Deno.TcpConn }> {
  const dispatch = {
    WskReceiveEvent: null,
    WskDisconnectEvent: null,
    WskSendBacklogEvent: null,
    ...events,
  };
  return await connectedToDeno(client, "127.0.0.1", context, dispatch);
}

/** The bytes of an indication chain, concatenated; throws on an element without a mapped MDL. */
export function bytesOf(head: WSK_DATA_INDICATION | null): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let d = head; d; d = d.Next) {
    if (!d.Buffer.Mdl) throw new Error(`an indication of ${d.Buffer.Length} bytes has no MDL`);
    const va = MmGetSystemAddressForMdlSafe(d.Buffer.Mdl, NormalPagePriority);
    if (!va) throw new Error("an indication's MDL does not map");
    parts.push(va.subarray(d.Buffer.Offset, d.Buffer.Offset + d.Buffer.Length));
  }
  return concatBytes(parts);
}

/** SIO_WSK_QUERY_RECEIVE_BACKLOG: the bytes received and not yet taken by the client. */
export async function receiveBacklog(Socket: WSK_SOCKET): Promise<number> {
  const out = { value: 0 };
  await call((Irp) =>
    connDispatch(Socket).WskControlSocket(
      Socket,
      WskIoctl,
      SIO_WSK_QUERY_RECEIVE_BACKLOG,
      0,
      0,
      null,
      8,
      out,
      null,
      Irp,
    )
  );
  return out.value;
}
