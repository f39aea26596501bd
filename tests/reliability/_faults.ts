// Copyright 2026 the wskemu authors. MIT license.
// Helpers for the fault tests: a ledger that proves every IRP completed
// exactly once, and WskSend / WskReceive loops that hash what they move.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  completionQueueIdle,
  formatNtStatus,
  IoFreeIrp,
  type IRP,
  type NTSTATUS,
  STATUS_SUCCESS,
  type WSK_PROVIDER_CONNECTION_DISPATCH,
  type WSK_SOCKET,
} from "../../mod.ts";
import type { Transport } from "../../transport/types.ts";
import { connDispatch, connectedToDeno, TestClient, wskBuf } from "../_wsk.ts";
import { IrpLedger, type IrpStatus } from "./_fuzz.ts";

/** One IRP issued through a {@linkcode Ledger}. */
export interface Tracked {
  /** The IRP, kept (not freed) until {@linkcode Ledger.settle}. */
  Irp: IRP;
  /** What the call returned. */
  returned: NTSTATUS;
  /** The first completion's status and information. */
  done: Promise<IrpStatus>;
}

/** Issues WSK calls on fresh IRPs and counts every completion of each (with an {@linkcode IrpLedger}). */
export class Ledger {
  readonly #irps = new IrpLedger();
  readonly #entries: { Irp: IRP; what: string }[] = [];

  /** Issue `issue` on a new IRP; `what` names it in failure messages. */
  start(what: string, issue: (Irp: IRP) => NTSTATUS): Tracked {
    const Irp = this.#irps.irp();
    this.#entries.push({ Irp, what });
    const done = this.#irps.completed(Irp);
    return { Irp, returned: issue(Irp), done };
  }

  /** Every IRP completed exactly once (after the queue drained); then all are freed. */
  async settle(): Promise<void> {
    await completionQueueIdle();
    const { completions } = this.#irps;
    const wrong = this.#entries.filter((e) => completions.get(e.Irp) !== 1)
      .map((e) => `${e.what}: ${completions.get(e.Irp)} completions`);
    for (const { Irp } of this.#entries.splice(0)) {
      completions.delete(Irp);
      IoFreeIrp(Irp);
    }
    assert.deepEqual(wrong, [], "every IRP completes exactly once");
  }
}

/** Asserts `actual` is `expected`, showing both by name. */
export function assertStatus(actual: NTSTATUS, expected: NTSTATUS, what: string): void {
  assert.equal(formatNtStatus(actual), formatNtStatus(expected), what);
}

/**
 * Sends `bytes` with WskSend, `chunk` bytes per call and up to `inFlight`
 * calls pending at once. Resolves with the first failure, or STATUS_SUCCESS.
 */
export async function sendAll(
  ledger: Ledger,
  Socket: WSK_SOCKET,
  bytes: Uint8Array,
  chunk: number,
  inFlight = 4,
): Promise<NTSTATUS> {
  const d: WSK_PROVIDER_CONNECTION_DISPATCH = connDispatch(Socket);
  const pending = new Set<Promise<NTSTATUS>>();
  let failure: NTSTATUS = STATUS_SUCCESS;
  for (let at = 0; at < bytes.length && failure === STATUS_SUCCESS; at += chunk) {
    const part = bytes.subarray(at, Math.min(at + chunk, bytes.length));
    const sent = ledger.start("WskSend", (Irp) => d.WskSend(Socket, wskBuf(part), 0, Irp)).done
      .then(({ Status, Information }) => {
        if (Status === STATUS_SUCCESS) assert.equal(Information, part.length);
        else if (failure === STATUS_SUCCESS) failure = Status;
        return Status;
      });
    pending.add(sent);
    sent.then(() => pending.delete(sent));
    if (pending.size >= inFlight) await Promise.race(pending);
  }
  await Promise.all(pending);
  return failure;
}

/** What {@linkcode receiveAll} saw: bytes, their hash, and how the stream ended. */
export interface Received {
  /** Bytes received. */
  length: number;
  /** SHA-256 hex of them. */
  sha256: string;
  /** STATUS_SUCCESS for a graceful end (a 0-byte receive), else the failure. */
  ending: NTSTATUS;
}

/** WskReceive into `size`-byte buffers until `limit` bytes, the peer's FIN, or a failure. */
export async function receiveAll(
  ledger: Ledger,
  Socket: WSK_SOCKET,
  limit = Infinity,
  size = 64 * 1024,
): Promise<Received> {
  const d = connDispatch(Socket);
  const hash = createHash("sha256");
  const buffer = new Uint8Array(size);
  let length = 0;
  let ending: NTSTATUS = STATUS_SUCCESS;
  while (length < limit) {
    const room = Math.min(size, limit - length);
    const { Status, Information } = await ledger.start(
      "WskReceive",
      (Irp) => d.WskReceive(Socket, wskBuf(buffer, 0, room), 0, Irp),
    ).done;
    if (Status !== STATUS_SUCCESS) {
      ending = Status;
      break;
    }
    const got = Information as number;
    if (got === 0) break;
    hash.update(buffer.subarray(0, got));
    length += got;
  }
  return { length, sha256: hash.digest("hex"), ending };
}

/** A WSK connection socket, the Deno peer it reached, and a ledger for its IRPs. */
export interface Connected {
  /** The registered client. */
  client: TestClient;
  /** The connected WSK socket. */
  Socket: WSK_SOCKET;
  /** Its dispatch table. */
  d: WSK_PROVIDER_CONNECTION_DISPATCH;
  /** The peer (a loopback Deno connection). */
  peer: Deno.Conn;
  /** Records the test's IRPs. */
  ledger: Ledger;
  /** Closes peer and socket, checks the ledger, deregisters. */
  finish(): Promise<void>;
}

/** Connects a client (over `transport`, else the real network) to a fresh loopback peer. */
export async function connectedToPeer(transport?: Transport): Promise<Connected> {
  const client = new TestClient(transport);
  const { Socket, peer } = await connectedToDeno(client);
  const ledger = new Ledger();
  return {
    client,
    Socket,
    d: connDispatch(Socket),
    peer,
    ledger,
    async finish() {
      try {
        peer.close();
      } catch {
        // The test closed it.
      }
      await client.closeSocket(Socket);
      await ledger.settle();
      await client.close();
    },
  };
}

/** Reads `conn` to its end: "eof" for a FIN, else the error's name (e.g. "ConnectionReset"). */
export async function readToEnd(conn: Deno.Conn): Promise<string> {
  const buffer = new Uint8Array(256 * 1024);
  try {
    while ((await conn.read(buffer)) !== null);
    return "eof";
  } catch (error) {
    return (error as Error).name;
  }
}
