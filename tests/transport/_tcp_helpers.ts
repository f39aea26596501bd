// Copyright 2026 the wskemu authors. MIT license.
/**
 * Helpers for the TCP transport tests: a receiver that records what it is
 * told, and a connected pair of transport streams.
 *
 * @module
 */
import assert from "node:assert/strict";
import net from "node:net";
import type { NTSTATUS } from "../../irp/ntstatus.ts";
import { endpoint, tcpTransport } from "../../transport/tcp.ts";
import type { TcpListener, TcpReceiver, TcpStream } from "../../transport/types.ts";

/** How a receiver's stream finished: "end", or the error status. */
export type Outcome = "end" | NTSTATUS;

/**
 * Records every receiver call and checks the contract as it goes: no call
 * after end()/error(), one of them at most once.
 */
export class Recorder implements TcpReceiver {
  /** Bytes received so far (copies), when `keep` is set. */
  readonly chunks: Uint8Array[] = [];
  /** Total bytes received. */
  received = 0;
  /** What data() returns. */
  accept = true;
  /** Called for each data() call, after counting. */
  onData: ((bytes: Uint8Array) => void) | null = null;
  readonly #done = Promise.withResolvers<Outcome>();
  #outcome: Outcome | null = null;

  constructor(readonly keep = true) {}

  /** Resolves with the outcome once end() or error() arrives. */
  get done(): Promise<Outcome> {
    return this.#done.promise;
  }

  /** The outcome so far, or null. */
  get outcome(): Outcome | null {
    return this.#outcome;
  }

  data(bytes: Uint8Array): boolean {
    assert.equal(this.#outcome, null, "data() after end()/error()");
    assert.ok(bytes.length > 0, "data() with no bytes");
    this.received += bytes.length;
    if (this.keep) this.chunks.push(bytes.slice());
    this.onData?.(bytes);
    return this.accept;
  }

  end(): void {
    this.#finish("end");
  }

  error(status: NTSTATUS): void {
    this.#finish(status);
  }

  /** Everything received, concatenated. */
  bytes(): Uint8Array {
    const all = new Uint8Array(this.received);
    let offset = 0;
    for (const chunk of this.chunks) {
      all.set(chunk, offset);
      offset += chunk.length;
    }
    return all;
  }

  #finish(outcome: Outcome): void {
    assert.equal(this.#outcome, null, "a second end()/error()");
    this.#outcome = outcome;
    this.#done.resolve(outcome);
  }
}

/** A listener and two connected transport streams; dispose closes all three. */
export interface Pair extends AsyncDisposable {
  listener: TcpListener;
  client: TcpStream;
  server: TcpStream;
}

/** Listen on `hostname`, connect to it, and return both ends. */
export async function connectedPair(hostname = "127.0.0.1"): Promise<Pair> {
  const listening = await tcpTransport.listen({ local: endpoint(hostname, 0) });
  assert.equal(listening.status, 0);
  const listener = listening.value!;
  const accepted = Promise.withResolvers<TcpStream>();
  listener.onConnection(accepted.resolve);
  const connected = await tcpTransport.connect({ remote: listener.localAddress });
  assert.equal(connected.status, 0);
  const client = connected.value!;
  const server = await accepted.promise;
  return {
    listener,
    client,
    server,
    [Symbol.asyncDispose]() {
      client.close();
      server.close();
      listener.close();
      return Promise.resolve();
    },
  };
}

/** `length` bytes of a pattern that a shifted or lost byte cannot match. */
export function pattern(length: number, seed = 0): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + (i >>> 8) + seed) & 0xff;
  return bytes;
}

/** A port free when probed, for a test that binds a port of its choosing (never for a refusal: see ../_ports.ts). */
export function freePort(hostname = "127.0.0.1"): number {
  const probe = Deno.listen({ hostname, port: 0 });
  const { port } = probe.addr;
  probe.close();
  return port;
}

/**
 * Resolves once `progress()` has not changed for `quietMs`: how a test
 * observes that a peer's writes have stalled. It measures a stall, the
 * property under test; it orders no events. Progress that never stops fails
 * the test after `deadlineMs` instead of polling forever.
 */
export async function stalled(
  progress: () => number,
  quietMs = 250,
  deadlineMs = 10_000,
): Promise<void> {
  const deadline = performance.now() + deadlineMs;
  let last = progress();
  let since = performance.now();
  while (performance.now() - since < quietMs) {
    if (performance.now() > deadline) {
      throw new Error(`progress never stalled within ${deadlineMs} ms (at ${last})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
    const now = progress();
    if (now !== last) {
      last = now;
      since = performance.now();
    }
  }
}

/** Checks received bytes against {@linkcode pattern} as they stream in. */
export class PatternCheck {
  offset = 0;
  constructor(readonly seed = 0) {}

  /** Check the next `bytes`; throws at the first wrong byte. */
  next(bytes: Uint8Array): void {
    const seed = this.seed;
    let i = this.offset;
    for (let k = 0; k < bytes.length; k++, i++) {
      if (bytes[k] !== ((i * 31 + (i >>> 8) + seed) & 0xff)) {
        assert.fail(`byte ${i} is ${bytes[k]}`);
      }
    }
    this.offset = i;
  }
}

/** A node:net peer that resets each connection once its first bytes arrive. */
export interface ResettingPeer {
  /** Its loopback port. */
  port: number;
  /** Settles when it has reset a connection. */
  reset: Promise<void>;
  /** Stop listening. */
  close(): Promise<void>;
}

/**
 * Starts a {@linkcode ResettingPeer}. It waits for bytes because a reset at
 * accept time can beat the client's connect completion (connect would then
 * report the reset instead).
 */
export async function resettingPeer(): Promise<ResettingPeer> {
  const reset = Promise.withResolvers<void>();
  const server = net.createServer((socket) => {
    socket.on("error", () => {});
    socket.once("readable", () => {
      socket.resetAndDestroy();
      reset.resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    reset: reset.promise,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
