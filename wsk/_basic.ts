// Copyright 2026 the wskemu authors. MIT license.
// Internal: a basic socket — control operations only (WskControlSocket, WskCloseSocket).
import type { Endpoint } from "../transport/types.ts";
import { BasicDispatch } from "./_connection_dispatch.ts";
import { SocketBase } from "./_socket.ts";

/** A basic socket: no transport, no events. */
export class BasicSocket extends SocketBase {
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
