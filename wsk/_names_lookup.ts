// Copyright 2026 the wskemu authors. MIT license.
// Internal: running a name resolution on a client's IRP. The lookup counts as
// an in-progress call of the client, so WskDeregister waits for it, and
// IoCancelIrp ends it with STATUS_CANCELLED (the answer, when it comes, is
// then dropped). Information is 0 whatever the outcome, as observed on Windows.
import type { IRP } from "../irp/irp.ts";
import { type NTSTATUS, STATUS_PENDING, STATUS_UNSUCCESSFUL } from "../irp/ntstatus.ts";
import type { ClientResource, WskClientState } from "./_client.ts";
import { PendingIrp } from "./_irp.ts";

/**
 * Takes `Irp` and completes it with what `work` resolves. `work` must check
 * `cancelled()` before it writes any output the client can see.
 */
export function lookupOnIrp(
  client: WskClientState,
  Irp: IRP,
  work: (cancelled: () => boolean) => Promise<NTSTATUS>,
): NTSTATUS {
  const inProgress: ClientResource & { closed: boolean } = { closed: false };
  client.sockets.add(inProgress);
  const op = new PendingIrp(Irp, null);
  const finish = (status: NTSTATUS) => {
    op.complete(status, 0);
    inProgress.closed = true;
    client.released(inProgress);
  };
  work(() => op.done).then(finish, (error) => {
    finish(STATUS_UNSUCCESSFUL);
    reportError(error);
  });
  return STATUS_PENDING;
}
