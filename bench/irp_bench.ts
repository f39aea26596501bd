// Copyright 2026 the wskemu authors. MIT license.
/**
 * The I/O manager's hot cycle, as every WSK call drives it (see
 * irp_cycle.ts): allocate an IRP, set its completion routine, push the
 * provider's stack location, complete it, free it; the same cycle on a
 * reused IRP (IoReuseIrp), as the samples do; the cycle through the
 * completion queue, as a provider completes; and one WskSend cycle with the
 * transport stubbed (target: 200 ns or less). `deno task bench` reports the
 * WskSend cycle in its table too.
 *
 * Run: `deno bench --allow-all bench/irp_bench.ts`
 *
 * @module
 */
import {
  IO_NO_INCREMENT,
  IoAllocateIrp,
  IoCompleteRequest,
  IoReuseIrp,
  IoSetCompletionRoutine,
  IoSetNextIrpStackLocation,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_SUCCESS,
  STATUS_UNSUCCESSFUL,
} from "../mod.ts";
import { irpCycles, queuedCycles, stubbedSocket, wskSendCycles } from "./irp_cycle.ts";

const CYCLES = 10_000;
const Routine = () => STATUS_MORE_PROCESSING_REQUIRED;

Deno.bench({
  name: `allocate → set completion → push → complete → free (×${CYCLES})`,
  group: "cycle",
}, () => irpCycles(CYCLES));

const Reused = IoAllocateIrp(1, false)!;
Deno.bench(
  { name: `reuse → set completion → push → complete (×${CYCLES})`, group: "cycle" },
  () => {
    for (let i = 0; i < CYCLES; i++) {
      IoReuseIrp(Reused, STATUS_UNSUCCESSFUL);
      IoSetCompletionRoutine(Reused, Routine, null, true, true, true);
      IoSetNextIrpStackLocation(Reused);
      Reused.IoStatus.Status = STATUS_SUCCESS;
      IoCompleteRequest(Reused, IO_NO_INCREMENT);
    }
  },
);

Deno.bench(
  { name: `taken → queued → completed, 1 IRP in flight (×${CYCLES})`, group: "WskSend" },
  async () => await queuedCycles(CYCLES),
);

const Socket = stubbedSocket();
Deno.bench(
  { name: `WskSend 1 KiB, transport stubbed, 1 IRP in flight (×${CYCLES})`, group: "WskSend" },
  async () => await wskSendCycles(await Socket, CYCLES),
);
