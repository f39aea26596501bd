// Copyright 2026 the wskemu authors. MIT license.
// Internal: device objects of a C driver and requests to them. IoCreateDevice
// makes a wskemu DEVICE_OBJECT and its C twin; after DriverEntry the C
// DriverObject->MajorFunction entries become the wskemu driver object's
// dispatch routines, so an IRP the I/O manager sends (IoCallDriver, the
// host's CreateFile / DeviceIoControl) reaches the C routine as a C IRP with
// its stack location and a copy of its SystemBuffer; IoCompleteRequest from C
// completes the wskemu IRP, and the status and buffer go back when completion
// passes the caller's location. IoCallDriver from C sends a C IRP (its own
// IoAllocateIrp IRP, or a request it passes down) to one of its devices: the
// dispatch routine gets the same C IRP, as on Windows.
import { poolTag } from "../../irp/pool.ts";
import * as irpApi from "../../irp/mod.ts";
import { DRIVER_VERIFIER_IOMANAGER_VIOLATION, KeBugCheckEx } from "../../irp/bugcheck.ts";
import {
  type DEVICE_OBJECT,
  type DRIVER_OBJECT,
  IoCallDriver,
  IoCreateDevice,
  IoDeleteDevice,
  type IRP,
  IRP_MJ_MAXIMUM_FUNCTION,
} from "../../irp/mod.ts";
import {
  type NTSTATUS,
  STATUS_INVALID_PARAMETER,
  STATUS_NOT_SUPPORTED,
  STATUS_PENDING,
  STATUS_SUCCESS,
} from "../../irp/ntstatus.ts";
import { INVOKE_ALL, invokeFlag, notInvoked } from "./_irp.ts";
import type { ExecContext } from "./_machine.ts";
import { writeMdl } from "./_wsk_events.ts";
import { ForeignDevices } from "./_foreign_device.ts";
import type { HostParts } from "./_parts.ts";

const DEVICE_TAG = poolTag("cveD"); // 'Devc' in memory
const IRP_TAG = poolTag(" prI"); // 'Irp ' in memory

/** A C routine the host runs inside one of its own calls, where JSPI cannot park the stack. */
export interface SynchronousRoutine {
  /** What it is, e.g. "the dispatch routine EchoDeviceControl". */
  routine: string;
  /** How a driver gets the same effect without blocking there. */
  advice: string;
}

const DISPATCH_ADVICE = "wskemu runs dispatch routines synchronously inside IoCallDriver: pend " +
  "the IRP (IoMarkIrpPending, STATUS_PENDING) and finish it from a work item or a system thread";

/** A request's C stand-in: the C IRP and its copy of the SystemBuffer. */
interface Request {
  Irp: IRP;
  /** The caller's SystemBuffer and MDL chain (the C driver may pass the IRP on, which replaces them). */
  system: Uint8Array | null;
  Mdl: IRP["MdlAddress"];
  buffer: number;
  /** Direct I/O: for each MDL of the `Irp.MdlAddress` chain, the C copy of its bytes and its C MDL. */
  direct: { data: number; mdl: number; view: Uint8Array }[];
}

/** The C driver's devices and the requests in flight to them. */
export class DeviceBridge {
  readonly devices = new Map<number, DEVICE_OBJECT>();
  private readonly cDevice = new WeakMap<DEVICE_OBJECT, number>();
  private readonly requests = new Map<number, Request>();
  private driver: DRIVER_OBJECT | null = null;
  private cDriver = 0;
  private dispatchContext: ExecContext | null = null;
  /**
   * C routines the host is running synchronously now, inside a host call
   * (innermost last): none of them may block. Each says what it is and what
   * to do instead.
   */
  readonly synchronous: SynchronousRoutine[] = [];
  /** IoCallDriver calls from C in progress: their dispatch routines run on the caller's stack. */
  private callsFromC = 0;

  /** Other drivers' devices the C driver opened with IoGetDeviceObjectPointer. */
  readonly foreign: ForeignDevices;

  constructor(private readonly d: HostParts) {
    d.irps.deviceToC = (device) => this.cDevice.get(device as DEVICE_OBJECT) ?? 0;
    this.foreign = new ForeignDevices(d);
  }

  /** IoGetDeviceObjectPointer: a named device, the driver's own or another driver's. */
  IoGetDeviceObjectPointer(
    ObjectName: number,
    _DesiredAccess: number,
    FileObject: number,
    DeviceObject: number,
  ): number {
    this.publish(); // a device of its own named in DriverEntry must already dispatch
    return this.foreign.open(ObjectName, FileObject, DeviceObject, (d) => this.cDevice.get(d));
  }

  /** DriverEntry is about to run for these two halves of the driver object. */
  attach(DriverObject: DRIVER_OBJECT, cDriver: number): void {
    this.driver = DriverObject;
    this.cDriver = cDriver;
  }

  IoCreateDevice(
    DriverObject: number,
    DeviceExtensionSize: number,
    DeviceName: number,
    DeviceType: number,
    DeviceCharacteristics: number,
    Exclusive: number,
    DeviceObject: number,
  ): number {
    const { mem } = this.d;
    if (this.driver === null || DriverObject !== this.cDriver || DeviceObject === 0) {
      return STATUS_INVALID_PARAMETER;
    }
    const created: { value: DEVICE_OBJECT | null } = { value: null };
    const name = DeviceName ? { Buffer: mem.unicodeString(DeviceName) } : null;
    const status = IoCreateDevice(
      this.driver,
      0,
      name,
      DeviceType,
      DeviceCharacteristics,
      Exclusive !== 0,
      created,
    );
    if (status !== STATUS_SUCCESS) return status;
    const size = mem.off("DEVICE_OBJECT");
    const device = this.d.allocate(size + DeviceExtensionSize, DEVICE_TAG);
    const f = (field: string) => device + mem.off(`DEVICE_OBJECT.${field}`);
    mem.setU16(f("Type"), 3);
    mem.setU16(f("Size"), size + DeviceExtensionSize);
    mem.setU32(f("DriverObject"), this.cDriver);
    mem.setU32(f("NextDevice"), mem.u32(this.cDriver + mem.off("DRIVER_OBJECT.DeviceObject")));
    mem.setU32(f("Flags"), created.value!.Flags);
    mem.setU32(f("Characteristics"), DeviceCharacteristics);
    mem.setU32(f("DeviceExtension"), DeviceExtensionSize ? device + size : 0);
    mem.setU32(f("DeviceType"), DeviceType);
    mem.setByte(f("StackSize"), 1);
    mem.setU32(this.cDriver + mem.off("DRIVER_OBJECT.DeviceObject"), device);
    this.devices.set(device, created.value!);
    this.cDevice.set(created.value!, device);
    mem.setU32(DeviceObject, device);
    return STATUS_SUCCESS;
  }

  IoDeleteDevice(DeviceObject: number): void {
    const { mem } = this.d;
    const device = this.devices.get(DeviceObject);
    if (!device) return;
    IoDeleteDevice(device);
    this.devices.delete(DeviceObject);
    // Unlink from the C driver's list.
    const next = mem.u32(DeviceObject + mem.off("DEVICE_OBJECT.NextDevice"));
    let link = this.cDriver + mem.off("DRIVER_OBJECT.DeviceObject");
    while (mem.u32(link) !== 0 && mem.u32(link) !== DeviceObject) {
      link = mem.u32(link) + mem.off("DEVICE_OBJECT.NextDevice");
    }
    if (mem.u32(link) === DeviceObject) mem.setU32(link, next);
    this.d.free(DeviceObject);
  }

  /** IoCreateSymbolicLink / IoDeleteSymbolicLink, when the I/O manager has them. */
  symbolicLink(
    name: "IoCreateSymbolicLink" | "IoDeleteSymbolicLink",
    ...strings: number[]
  ): number {
    const fn = (irpApi as Record<string, unknown>)[name];
    if (typeof fn !== "function") return STATUS_NOT_SUPPORTED;
    const args = strings.map((s) => {
      const Buffer = this.d.mem.unicodeString(s);
      return { Length: Buffer.length * 2, MaximumLength: Buffer.length * 2 + 2, Buffer };
    });
    return (fn as (...a: unknown[]) => number)(...args);
  }

  /** After DriverEntry: device flags and the MajorFunction table go to the wskemu objects. */
  publish(): void {
    const { mem, table } = this.d;
    for (const [address, device] of this.devices) {
      device.Flags = mem.u32(address + mem.off("DEVICE_OBJECT.Flags"));
      device.StackSize = Math.max(1, mem.byte(address + mem.off("DEVICE_OBJECT.StackSize")));
    }
    if (this.driver === null) return;
    for (let i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++) {
      const routine = mem.u32(this.cDriver + mem.off("DRIVER_OBJECT.MajorFunction") + 4 * i);
      if (routine === 0) continue;
      const name = table.name(routine);
      const dispatch = (DeviceObject: DEVICE_OBJECT, Irp: IRP) =>
        this.dispatch(routine, name, DeviceObject, Irp);
      Object.defineProperty(dispatch, "name", { value: name });
      this.driver.MajorFunction[i] = dispatch;
    }
  }

  /**
   * IoCallDriver from C: the device is one of the driver's own; the IRP's next
   * location (completion routine included) goes to the twin, which wskemu's
   * IoCallDriver sends on.
   */
  IofCallDriver(DeviceObject: number, address: number): number {
    const device = this.devices.get(DeviceObject);
    const foreign = device === undefined ? this.foreign.device(DeviceObject) : undefined;
    if (foreign !== undefined) return this.foreign.call(foreign, address);
    if (device === undefined) {
      return KeBugCheckEx(
        DRIVER_VERIFIER_IOMANAGER_VIOLATION,
        0x04,
        DeviceObject,
        address,
        0,
        `IoCallDriver to 0x${DeviceObject.toString(16)}, which is not a device object ` +
          "(deleted already, or dereferenced?)",
      );
    }
    this.publish(); // DriverEntry may call its own devices before it returns
    const Irp = this.d.irps.take(address);
    if (Irp === null) return this.d.irps.twin(address, "IoCallDriver") as never;
    this.callsFromC++;
    try {
      return IoCallDriver(device, Irp);
    } finally {
      this.callsFromC--;
    }
  }

  /**
   * A request reaches a C dispatch routine, on the caller's C stack when C
   * sent it and on the dispatch stack otherwise (it must not block).
   */
  private dispatch(routine: number, name: string, DeviceObject: DEVICE_OBJECT, Irp: IRP): number {
    const { machine, table, irps } = this.d;
    const cDevice = this.cDevice.get(DeviceObject) ?? 0;
    let address = irps.addressOf(Irp);
    if (address === undefined) address = this.cIrp(Irp, cDevice);
    else irps.dispatched(address, cDevice);
    const context = this.callsFromC > 0 && machine.current !== null
      ? machine.current
      : (this.dispatchContext ??= machine.newContext("dispatch routines"));
    this.synchronous.push({ routine: `the dispatch routine ${name}`, advice: DISPATCH_ADVICE });
    let status: number;
    try {
      status = machine.inContext(context, () => table.call(routine, cDevice, address) >>> 0, name);
    } finally {
      this.synchronous.pop();
    }
    if (status === STATUS_PENDING) irps.pendingFromC(address);
    return status;
  }

  /** The C IRP standing in for an I/O manager's IRP, with its current stack location filled in. */
  private cIrp(Irp: IRP, cDevice: number): number {
    const { mem } = this.d;
    const size = mem.off("IRP") + Irp.StackCount * mem.off("IO_STACK_LOCATION");
    const address = this.d.allocate(size, IRP_TAG);
    const f = (field: string) => address + mem.off(`IRP.${field}`);
    mem.setU16(f("Type"), 6);
    mem.setU16(f("Size"), size);
    mem.setByte(f("StackCount"), Irp.StackCount);
    mem.setByte(f("CurrentLocation"), Irp.CurrentLocation);
    mem.setByte(f("RequestorMode"), Irp.RequestorMode);
    const location = address + mem.off("IRP") +
      (Irp.CurrentLocation - 1) * mem.off("IO_STACK_LOCATION");
    mem.setU32(f("Tail.Overlay.CurrentStackLocation"), location);
    const IrpSp = Irp.Stack[Irp.CurrentLocation - 1]!;
    const l = (field: string) => location + mem.off(`IO_STACK_LOCATION.${field}`);
    mem.setByte(l("MajorFunction"), IrpSp.MajorFunction);
    mem.setByte(l("MinorFunction"), IrpSp.MinorFunction);
    mem.setByte(l("Flags"), IrpSp.Flags);
    mem.setU32(l("DeviceObject"), cDevice);
    const p = IrpSp.Parameters as Record<string, Record<string, unknown> | undefined>;
    const io = p.DeviceIoControl;
    if (io) {
      mem.setU32(
        l("Parameters.DeviceIoControl.OutputBufferLength"),
        Number(io.OutputBufferLength ?? 0),
      );
      mem.setU32(
        l("Parameters.DeviceIoControl.InputBufferLength"),
        Number(io.InputBufferLength ?? 0),
      );
      mem.setU32(l("Parameters.DeviceIoControl.IoControlCode"), Number(io.IoControlCode ?? 0));
    }
    const rw = p.Read ?? p.Write;
    if (rw) {
      mem.setU32(
        l(p.Read ? "Parameters.Read.Length" : "Parameters.Write.Length"),
        Number(rw.Length ?? 0),
      );
    }
    const system = Irp.AssociatedIrp.SystemBuffer;
    let buffer = 0;
    if (system && system.length > 0) {
      buffer = this.d.allocate(system.length, IRP_TAG);
      mem.u8.set(system, buffer);
      mem.setU32(f("AssociatedIrp.SystemBuffer"), buffer);
    }
    // Direct I/O: each MDL of the chain describes a C copy of its bytes, linked as the chain is.
    const direct: Request["direct"] = [];
    let link = f("MdlAddress");
    for (let Mdl = Irp.MdlAddress; Mdl !== null; Mdl = Mdl.Next) {
      const view = Mdl.StartVa.subarray(0, Mdl.ByteCount);
      const data = this.d.allocate(Math.max(1, view.length), IRP_TAG);
      mem.u8.set(view, data);
      const mdl = this.d.allocate(mem.off("MDL") + 8, IRP_TAG);
      writeMdl(mem, mdl, data, view.length);
      mem.setU32(link, mdl);
      link = mdl + mem.off("MDL.Next");
      direct.push({ data, mdl, view });
    }
    this.requests.set(address, {
      Irp,
      system,
      Mdl: Irp.MdlAddress,
      buffer,
      direct,
    });
    this.d.irps.adopt(address, Irp);
    this.finishAbove(address, IrpSp);
    return address;
  }

  /**
   * The caller's completion routine (in the C driver's location) runs after
   * the C stand-in is finished: buffers copied back, C memory freed. The
   * routine wskemu calls in its place keeps the caller's invoke flags and the
   * pending mark the I/O manager would propagate.
   */
  private finishAbove(address: number, IrpSp: IRP["Stack"][number]): void {
    const { CompletionRoutine: routine, Context, Control: control } = IrpSp;
    const finish = (DeviceObject: DEVICE_OBJECT | null, Irp: IRP, ctx: unknown): NTSTATUS => {
      this.finish(address);
      if (routine !== null && (control & invokeFlag(Irp)) !== 0) {
        return routine(DeviceObject, Irp, ctx);
      }
      return notInvoked(Irp);
    };
    Object.defineProperty(finish, "name", { value: routine?.name || "(I/O manager)" });
    IrpSp.CompletionRoutine = finish;
    IrpSp.Context = Context;
    IrpSp.Control = (control & ~INVOKE_ALL) | INVOKE_ALL;
  }

  /** The C stand-in of a request is done: status and buffers back to the wskemu IRP, C memory freed. */
  private finish(address: number): void {
    const { mem } = this.d;
    const request = this.requests.get(address);
    if (!request) return;
    const { Irp, system, buffer, direct } = request;
    Irp.AssociatedIrp.SystemBuffer = system;
    Irp.MdlAddress = request.Mdl;
    if (system && buffer) {
      system.set(mem.u8.subarray(buffer, buffer + system.length));
    }
    for (const { data, mdl, view } of direct) {
      view.set(mem.u8.subarray(data, data + view.length));
      this.d.free(mdl);
      this.d.free(data);
    }
    this.requests.delete(address);
    this.d.irps.forget(address);
    if (buffer) this.d.free(buffer);
    this.d.free(address);
  }

  /** IoCompleteRequest from C: the status C wrote goes to the wskemu IRP, which completes. */
  IofCompleteRequest(address: number, PriorityBoost: number): void {
    // Not a live C IRP: 0xC9 as IoFreeIrp gives; one not in flight: wskemu's 0x44.
    this.d.irps.complete(address, PriorityBoost);
  }

  /** Requests the C driver has not completed yet, for the unload report. */
  pending(): number {
    return this.requests.size;
  }
}
