// Copyright 2026 the wskemu authors. MIT license.
// Internal: a basic socket — control operations only — and the Basic table
// (WskControlSocket, WskCloseSocket) that every category embeds.
import type { Endpoint } from "../transport/types.ts";
import { WskControlSocket } from "./_control.ts";
import { guardTable } from "./_guard.ts";
import { SocketBase, WskCloseSocket } from "./_socket.ts";
import type { WSK_PROVIDER_BASIC_DISPATCH } from "./dispatch_types.ts";

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

/** The Basic table every category embeds. */
export const BasicDispatch: WSK_PROVIDER_BASIC_DISPATCH = guardTable({
  WskControlSocket,
  WskCloseSocket,
});
