// Copyright 2026 the wskemu authors. MIT license.
// Internal: a listener whose connections get the stream faults, and which can
// die after a given number of connections, as a listening socket whose
// network went away does.
import { type NTSTATUS, STATUS_UNEXPECTED_NETWORK_ERROR } from "../irp/ntstatus.ts";
import type { Endpoint, TcpListener, TcpStream } from "../transport/types.ts";

/** A {@linkcode TcpListener} over `inner` that wraps each stream and may fail. */
export class FaultTcpListener implements TcpListener {
  #accepted = 0;
  #dead = false;
  #failed: ((status: NTSTATUS) => void) | null = null;

  constructor(
    readonly inner: TcpListener,
    readonly wrap: (stream: TcpStream) => TcpStream,
    /** Die once this many connections were delivered; null: never. */
    readonly failAfter: number | null,
  ) {}

  get localAddress(): Endpoint {
    return this.inner.localAddress;
  }

  onConnection(accept: (stream: TcpStream) => void, failed?: (status: NTSTATUS) => void): void {
    if (this.#dead) return;
    this.#failed = failed ?? null;
    this.inner.onConnection((stream) => {
      if (this.#dead) return stream.abort();
      accept(this.wrap(stream));
      if (this.failAfter !== null && ++this.#accepted >= this.failAfter) this.#die();
    }, (status) => this.#die(status));
    // Never from inside onConnection().
    if (this.failAfter === 0) queueMicrotask(() => this.#die());
  }

  close(): void {
    this.#dead = true;
    this.#failed = null;
    this.inner.close();
  }

  #die(status: NTSTATUS = STATUS_UNEXPECTED_NETWORK_ERROR): void {
    if (this.#dead) return;
    this.#dead = true;
    this.inner.close();
    const failed = this.#failed;
    this.#failed = null;
    failed?.(status);
  }
}
