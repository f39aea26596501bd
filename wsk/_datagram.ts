// Copyright 2026 the wskemu authors. MIT license.
// Internal: placeholder until this category lands.
import type { Endpoint } from "../transport/types.ts";
import { BasicDispatch } from "./_connection_dispatch.ts";
import { SocketBase } from "./_socket.ts";

/** Placeholder. */
export class DatagramSocket extends SocketBase {
  readonly Dispatch: unknown = BasicDispatch;
  readonly eventBits = 0;
  eventsAllowed(): boolean {
    return false;
  }
  beforeBind(): boolean {
    return true;
  }
  localEndpoint(): Endpoint | null {
    return null;
  }
  protected release(): void {}
}
