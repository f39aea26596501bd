// Copyright 2026 the wskemu authors. MIT license.
// Internal: the state behind one WskRegister: its captured NPIs, its sockets,
// its static event callbacks, and the promise WskDeregister waits on.
import { queueDpc } from "../irp/completion.ts";
import type { IRP } from "../irp/irp.ts";
import {
  type NTSTATUS,
  STATUS_DEVICE_NOT_READY,
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_PARAMETER,
} from "../irp/ntstatus.ts";
import { realTransport } from "../transport/real.ts";
import type { Transport } from "../transport/types.ts";
import { checkIrp, failIrp, type PendingIrp } from "./_irp.ts";
import type { WSK_CLIENT, WSK_CLIENT_NPI } from "./structures.ts";

/** Something that belongs to a client and must be closed before deregistration ends. */
export interface ClientResource {
  /** True once the resource is gone. */
  readonly closed: boolean;
}

/** Every client registered and not yet deregistered: what the driver host's unload report reads. */
export const liveClients: Set<WskClientState> = new Set();

/** One registered WSK client. Its object is what `WSK_PROVIDER_NPI.Client` holds. */
export class WskClientState implements WSK_CLIENT {
  readonly __wskClient = true as const;
  /** Outstanding WskCaptureProviderNPI successes. */
  captures = 0;
  /** Open sockets (and other resources that deregistration waits for). */
  readonly sockets = new Set<ClientResource>();
  /** Events enabled with WSK_SET_STATIC_EVENT_CALLBACKS. */
  staticEvents = 0;
  /** A socket was ever created: static event callbacks can no longer be set. */
  socketsCreated = false;
  /** Pending WSK_TRANSPORT_LIST_CHANGE requests; WskDeregister cancels them. */
  readonly listChanges: Set<PendingIrp> = new Set();
  /** WskDeregister has started: captures fail from now on. */
  deregistering = false;
  /** WskDeregister has returned: the client object is gone, and every call on it fails. */
  deregistered = false;
  /** The network under this client's sockets: the real one unless `wskRegisterWithTransport` gave another. */
  transport: Transport = realTransport;
  #waiters: (() => void)[] = [];

  constructor(readonly npi: WSK_CLIENT_NPI) {
    liveClients.add(this);
  }

  /** True once no capture is held and no socket is open. */
  get idle(): boolean {
    return this.captures === 0 && this.sockets.size === 0;
  }

  /**
   * A promise that settles when the client is idle. Even when it is idle
   * already, the wake-up is queued behind the completions already queued: a
   * close issued before WskDeregister has its completion routine run first,
   * however late the completion queue runs (randomised completion timing).
   */
  whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.#waiters.push(resolve);
      if (this.idle) this.#wake();
    });
  }

  /**
   * Forget a closed socket or released capture, then wake WskDeregister if that
   * was the last one. The wake-up is queued behind the completions already
   * queued, so a close's completion routine runs before deregistration ends.
   */
  released(resource?: ClientResource): void {
    if (resource) this.sockets.delete(resource);
    if (!this.idle || this.#waiters.length === 0) return;
    this.#wake();
  }

  #wake(): void {
    queueDpc(() => {
      if (!this.idle) return;
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }
}

/**
 * A client-level call's common checks, as Windows makes them: a NULL IRP is
 * STATUS_INVALID_PARAMETER and a bad client STATUS_INVALID_HANDLE, both
 * returned with the IRP untouched; an unusable IRP bug checks (checkIrp)
 * before anything is created; a client whose WskDeregister returned completes
 * the IRP with STATUS_DEVICE_NOT_READY; otherwise `body` runs.
 */
export function clientCall(
  Client: unknown,
  Irp: IRP | null,
  body: (client: WskClientState, Irp: IRP) => NTSTATUS,
): NTSTATUS {
  if (!Irp) return STATUS_INVALID_PARAMETER;
  const client = clientOf(Client);
  if (!client) return STATUS_INVALID_HANDLE;
  checkIrp(Irp);
  if (client.deregistered) return failIrp(Irp, STATUS_DEVICE_NOT_READY);
  return body(client, Irp);
}

/** The client state behind a `WSK_CLIENT`, or null for anything else. */
export function clientOf(Client: unknown): WskClientState | null {
  return Client instanceof WskClientState ? Client : null;
}
