// Copyright 2026 the wskemu authors. MIT license.
/**
 * The I/O manager's hot cycle, as every WSK call drives it: allocate an IRP,
 * set its completion routine, push the provider's stack location, complete it
 * (the routine runs and returns STATUS_MORE_PROCESSING_REQUIRED), free it.
 * Also the same cycle on a reused IRP (IoReuseIrp), as the samples do.
 * Target: under 300 ns per cycle.
 *
 * Run: `deno bench --allow-all bench/irp_bench.ts`
 *
 * @module
 */
import {
  IO_NO_INCREMENT,
  IoAllocateIrp,
  IoCompleteRequest,
  IoFreeIrp,
  IoReuseIrp,
  IoSetCompletionRoutine,
  IoSetNextIrpStackLocation,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_SUCCESS,
  STATUS_UNSUCCESSFUL,
} from "../irp/mod.ts";

const CYCLES = 10_000;
let completed = 0;
const Routine = () => {
  completed++;
  return STATUS_MORE_PROCESSING_REQUIRED;
};

Deno.bench({
  name: `allocate → set completion → push → complete → free (×${CYCLES})`,
  group: "cycle",
}, () => {
  for (let i = 0; i < CYCLES; i++) {
    const Irp = IoAllocateIrp(1, false)!;
    IoSetCompletionRoutine(Irp, Routine, null, true, true, true);
    IoSetNextIrpStackLocation(Irp);
    Irp.IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    IoFreeIrp(Irp);
  }
});

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
