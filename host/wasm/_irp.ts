// Copyright 2026 the wskemu authors. MIT license.
// Internal: C IRPs and their wskemu twins, and the sync points between them.
// (1) C→TS at every kernel call that takes an IRP: the stack location the
// inline IoSetCompletionRoutine wrote is read into the twin, with an observer
// routine in front of the C one. (2) TS→C when the twin completes: IoStatus,
// PendingReturned, Cancel, the stack position and every out-parameter of the
// call are written to C memory before the C routine runs, at DISPATCH_LEVEL on
// the DPC stack. (3) IoReuseIrp / IoFreeIrp check the twin, then the C half.
import { DRIVER_VERIFIER_IOMANAGER_VIOLATION, KeBugCheckEx } from "../../irp/bugcheck.ts";
import {
  IoAllocateIrp,
  IoCancelIrp,
  IoCompleteRequest,
  IoFreeIrp,
  IoMarkIrpPending,
  IoReuseIrp,
  IoSetCancelRoutine,
  IoSetNextIrpStackLocation,
  IoSkipCurrentIrpStackLocation,
  type IRP,
  SL_INVOKE_ON_CANCEL,
  SL_INVOKE_ON_ERROR,
  SL_INVOKE_ON_SUCCESS,
  SL_PENDING_RETURNED,
} from "../../irp/mod.ts";
import { NT_SUCCESS, type NTSTATUS, STATUS_SUCCESS } from "../../irp/ntstatus.ts";
import type { Machine } from "./_machine.ts";
import type { CMemory } from "./_memory.ts";
import type { FunctionTable } from "./_table.ts";

/** Every SL_INVOKE_ON_* flag: the routines the host puts in front of a driver's always run. */
export const INVOKE_ALL = SL_INVOKE_ON_SUCCESS | SL_INVOKE_ON_ERROR | SL_INVOKE_ON_CANCEL;

/** The SL_INVOKE_ON_* flag a routine needs to run for this outcome of the IRP. */
export function invokeFlag(Irp: IRP): number {
  if (Irp.Cancel) return SL_INVOKE_ON_CANCEL;
  return NT_SUCCESS(Irp.IoStatus.Status) ? SL_INVOKE_ON_SUCCESS : SL_INVOKE_ON_ERROR;
}

/**
 * Stands in for a routine that does not run for this outcome: as the I/O
 * manager does, a pending mark moves up to the location above.
 */
export function notInvoked(Irp: IRP): NTSTATUS {
  if (Irp.PendingReturned && Irp.CurrentLocation <= Irp.StackCount) IoMarkIrpPending(Irp);
  return STATUS_SUCCESS;
}

/** Work to do in C memory when an IRP completes (write an out-parameter, build a list, ...). */
export type Fixup = (Irp: IRP) => void;

interface Twin {
  readonly address: number;
  readonly Irp: IRP;
  readonly function: string;
  readonly site: string;
  /** Locations from this index up belong to the I/O manager's callers: their routines are not in C memory. */
  readonly callerLocations: number;
  fixups: Fixup[];
}

/** Turns an IRP's Information (a number, or an object such as a new socket) into a C ULONG_PTR. */
export type InformationToC = (information: number | object) => number;

/** Every live C IRP and its twin. */
export class IrpTwins {
  readonly byAddress = new Map<number, Twin>();
  private readonly byIrp = new WeakMap<IRP, Twin>();
  private readonly freed = new Set<number>();
  /** The IRP the current kernel call took; its position goes back to C when the call returns. */
  private taken: Twin | null = null;
  informationToC: InformationToC = (information) =>
    typeof information === "number" ? information : 0;
  /** The C address of a wskemu device object (0 for none): what a C completion routine gets. */
  deviceToC: (device: unknown) => number = () => 0;

  constructor(
    private readonly mem: CMemory,
    private readonly machine: Machine,
    private readonly table: FunctionTable,
  ) {}

  /** IoAllocateIrp's host half: the twin; false when wskemu's IoAllocateIrp fails (low resources). */
  created(address: number, StackSize: number, fn: string, site: string): boolean {
    const Irp = IoAllocateIrp(StackSize, false);
    if (Irp === null) return false;
    const twin: Twin = {
      address,
      Irp,
      function: fn,
      site,
      callerLocations: Irp.StackCount,
      fixups: [],
    };
    this.byAddress.set(address, twin);
    this.byIrp.set(Irp, twin);
    this.freed.delete(address);
    return true;
  }

  /** An IRP the I/O manager built (a request to the C driver's device): C memory stands in for it. */
  adopt(address: number, Irp: IRP): void {
    const twin: Twin = {
      address,
      Irp,
      function: "the I/O manager",
      site: "",
      callerLocations: Irp.CurrentLocation - 1,
      fixups: [],
    };
    this.byAddress.set(address, twin);
    this.byIrp.set(Irp, twin);
  }

  /** The C address of an IRP that has a C half, if it has one. */
  addressOf(Irp: IRP): number | undefined {
    return this.byIrp.get(Irp)?.address;
  }

  /** The C stand-in of an adopted IRP is gone (it completed). */
  forget(address: number): void {
    const twin = this.byAddress.get(address);
    if (twin) this.byIrp.delete(twin.Irp);
    this.byAddress.delete(address);
  }

  /** The twin of a C IRP; a pointer that is not a live IRP is the bug check IoFreeIrp would give. */
  twin(address: number, what: string): Twin {
    const twin = this.byAddress.get(address);
    if (twin) return twin;
    const reason = this.freed.has(address)
      ? "an IRP that was already freed"
      : "something that is not an IRP";
    return KeBugCheckEx(
      DRIVER_VERIFIER_IOMANAGER_VIOLATION,
      0x01,
      address,
      0,
      0,
      `${what} on ${reason} (C address 0x${address.toString(16)})`,
    );
  }

  /** IoFreeIrp's host half: wskemu's checks (double free, in flight) before the C memory goes. */
  free(address: number): void {
    const twin = this.twin(address, "IoFreeIrp");
    IoFreeIrp(twin.Irp);
    this.byAddress.delete(address);
    this.freed.add(address);
  }

  /** IoReuseIrp's host half. */
  reuse(address: number, Status: NTSTATUS): void {
    const twin = this.twin(address, "IoReuseIrp");
    IoReuseIrp(twin.Irp, Status);
    twin.fixups = [];
  }

  /** IoCancelIrp from C: the twin is cancelled; C sees Cancel at once. */
  cancel(address: number): boolean {
    const twin = this.twin(address, "IoCancelIrp");
    const cancelled = IoCancelIrp(twin.Irp);
    this.mem.setByte(address + this.mem.off("IRP.Cancel"), 1);
    return cancelled;
  }

  /**
   * IoSetCancelRoutine from C: C's `Irp->CancelRoutine` and the twin's change
   * together; when IoCancelIrp picks the routine, C sees Cancel, CancelIrql
   * and the cleared field before the C routine runs, at DISPATCH_LEVEL.
   */
  setCancelRoutine(address: number, routine: number): number {
    const twin = this.twin(address, "IoSetCancelRoutine");
    const { mem } = this;
    const field = address + mem.off("IRP.CancelRoutine");
    const previous = mem.u32(field);
    mem.setU32(field, routine);
    if (routine === 0) {
      IoSetCancelRoutine(twin.Irp, null);
      return previous;
    }
    const name = this.table.name(routine);
    const cancel = (DeviceObject: unknown, Irp: IRP): void => {
      mem.setU32(field, 0);
      mem.setByte(address + mem.off("IRP.Cancel"), 1);
      mem.setByte(address + mem.off("IRP.CancelIrql"), Irp.CancelIrql);
      this.machine.inDpc(
        () => this.table.call(routine, this.deviceToC(DeviceObject), address),
        name,
      );
    };
    Object.defineProperty(cancel, "name", { value: name });
    IoSetCancelRoutine(twin.Irp, cancel);
    return previous;
  }

  /**
   * Sync point 1, at a kernel call taking `address` (0 = no IRP): the twin,
   * with the completion routine C set in its next stack location mirrored
   * behind an observer that will run the fixups first.
   */
  take(address: number): IRP | null {
    if (address === 0) return null;
    const twin = this.twin(address, "a WSK call");
    this.taken = twin;
    const { mem } = this, { Irp } = twin;
    const current = mem.byte(address + mem.off("IRP.CurrentLocation")) << 24 >> 24;
    // A driver that took a location of its own IRP (IoSetNextIrpStackLocation in C) owns it in the
    // twin too, with the completion routine it set there.
    while (
      Irp.CurrentLocation > Math.max(current, 2) && Irp.CurrentLocation <= Irp.StackCount + 1
    ) {
      this.mirror(twin, Irp.CurrentLocation - 2);
      IoSetNextIrpStackLocation(Irp);
    }
    // IoSkipCurrentIrpStackLocation in C gave the current location back.
    while (Irp.CurrentLocation < current && Irp.CurrentLocation <= Irp.StackCount) {
      IoSkipCurrentIrpStackLocation(Irp);
    }
    const index = Math.min(current, Irp.StackCount + 1) - 2;
    if (index < 0 || index >= Irp.StackCount) return Irp; // no location: wskemu bug checks 0x35
    this.mirror(twin, index);
    return Irp;
  }

  /** Stack location `index` of the C IRP into the twin: codes, and the completion routine behind an observer. */
  private mirror(twin: Twin, index: number): void {
    // A request passed down with IoSkipCurrentIrpStackLocation keeps its caller's routine there.
    if (index >= twin.callerLocations) return;
    const { mem } = this;
    const location = twin.address + mem.off("IRP") + index * mem.off("IO_STACK_LOCATION");
    const routine = mem.u32(location + mem.off("IO_STACK_LOCATION.CompletionRoutine"));
    const control = mem.byte(location + mem.off("IO_STACK_LOCATION.Control"));
    const IrpSp = twin.Irp.Stack[index]!;
    IrpSp.MajorFunction = mem.byte(location + mem.off("IO_STACK_LOCATION.MajorFunction"));
    IrpSp.MinorFunction = mem.byte(location + mem.off("IO_STACK_LOCATION.MinorFunction"));
    IrpSp.CompletionRoutine = this.observer(twin, routine, control);
    IrpSp.Context = mem.u32(location + mem.off("IO_STACK_LOCATION.Context"));
    IrpSp.Control = (control & ~INVOKE_ALL) | INVOKE_ALL;
  }

  /** After a kernel call returned: C sees the IRP passed down (CurrentLocation), as IoCallDriver shows it. */
  afterCall(): void {
    const twin = this.taken;
    if (twin === null) return;
    this.taken = null;
    this.syncPosition(twin);
  }

  /** The IRP reaches a dispatch routine: C sees the location IoCallDriver made current, and its device. */
  dispatched(address: number, cDevice: number): void {
    const twin = this.byAddress.get(address);
    if (!twin) return;
    this.syncPosition(twin);
    const { mem } = this;
    const location = mem.u32(address + mem.off("IRP.Tail.Overlay.CurrentStackLocation"));
    mem.setU32(location + mem.off("IO_STACK_LOCATION.DeviceObject"), cDevice);
  }

  /** IoMarkIrpPending in C (the current location's Control) reaches the twin. */
  pendingFromC(address: number): void {
    const twin = this.byAddress.get(address);
    if (!twin) return;
    const { mem } = this;
    const { Irp } = twin;
    if (Irp.CurrentLocation < 1 || Irp.CurrentLocation > Irp.StackCount) return;
    const location = address + mem.off("IRP") +
      (Irp.CurrentLocation - 1) * mem.off("IO_STACK_LOCATION");
    const control = mem.byte(location + mem.off("IO_STACK_LOCATION.Control"));
    if (
      control & SL_PENDING_RETURNED &&
      !(Irp.Stack[Irp.CurrentLocation - 1]!.Control & SL_PENDING_RETURNED)
    ) {
      IoMarkIrpPending(Irp);
    }
  }

  /**
   * IoCompleteRequest from C on an IRP it holds (sent to its own device): the
   * status and pending mark C wrote go to the twin, which completes.
   */
  complete(address: number, PriorityBoost: number): void {
    const twin = this.twin(address, "IoCompleteRequest");
    const { mem } = this;
    twin.Irp.IoStatus.Status = mem.u32(address + mem.off("IRP.IoStatus.Status"));
    twin.Irp.IoStatus.Information = mem.u32(address + mem.off("IRP.IoStatus.Information"));
    this.pendingFromC(address);
    IoCompleteRequest(twin.Irp, PriorityBoost);
  }

  private syncPosition(twin: Twin): void {
    const { mem } = this;
    const { Irp, address } = twin;
    if (!this.byAddress.has(address)) return;
    mem.setByte(address + mem.off("IRP.CurrentLocation"), Irp.CurrentLocation);
    const stack = address + mem.off("IRP") +
      (Irp.CurrentLocation - 1) * mem.off("IO_STACK_LOCATION");
    mem.setU32(address + mem.off("IRP.Tail.Overlay.CurrentStackLocation"), stack);
  }

  /** Registers work for when the IRP completes (or runs it now when there is no IRP). */
  onComplete(Irp: IRP | null, fixup: Fixup): void {
    if (Irp === null) return;
    const twin = this.byIrp.get(Irp);
    if (twin) twin.fixups.push(fixup);
  }

  /** Sync point 2: C memory catches up with the twin. */
  private syncToC(twin: Twin): void {
    const { mem } = this;
    const { Irp, address } = twin;
    mem.setU32(address + mem.off("IRP.IoStatus.Status"), Irp.IoStatus.Status);
    mem.setU32(
      address + mem.off("IRP.IoStatus.Information"),
      this.informationToC(Irp.IoStatus.Information),
    );
    mem.setByte(address + mem.off("IRP.PendingReturned"), Irp.PendingReturned ? 1 : 0);
    mem.setByte(address + mem.off("IRP.Cancel"), Irp.Cancel ? 1 : 0);
    mem.setByte(address + mem.off("IRP.CurrentLocation"), Irp.CurrentLocation);
    const stack = address + mem.off("IRP") +
      (Irp.CurrentLocation - 1) * mem.off("IO_STACK_LOCATION");
    mem.setU32(address + mem.off("IRP.Tail.Overlay.CurrentStackLocation"), stack);
  }

  private observer(twin: Twin, routine: number, control: number) {
    const name = routine ? this.table.name(routine) : "(no completion routine)";
    const observe = (DeviceObject: unknown, Irp: IRP, Context: unknown): NTSTATUS =>
      this.machine.inDpc(() => {
        const fixups = twin.fixups;
        twin.fixups = [];
        for (const fixup of fixups) fixup(Irp);
        this.syncToC(twin);
        if (routine === 0 || (control & invokeFlag(Irp)) === 0 || this.machine.halted) {
          return notInvoked(Irp);
        }
        const result = this.table.call(
          routine,
          this.deviceToC(DeviceObject),
          twin.address,
          Context as number,
        ) >>>
          0;
        this.pendingFromC(twin.address); // the routine's IoMarkIrpPending, for its own location
        return result;
      }, name);
    Object.defineProperty(observe, "name", { value: name });
    return observe;
  }

  /** Every IRP still allocated, with the C function and file:line that allocated it. */
  live(): { address: number; function: string; site: string }[] {
    return [...this.byAddress.values()].map(({ address, function: fn, site }) => ({
      address,
      function: fn,
      site,
    }));
  }
}
