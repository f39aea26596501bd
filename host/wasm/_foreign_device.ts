// Copyright 2026 the wskemu authors. MIT license.
// Internal: devices of other drivers (TS drivers in the same process) as a C
// driver sees them. IoGetDeviceObjectPointer gives a C FILE_OBJECT and a C
// DEVICE_OBJECT that stands in for the wskemu device; IoCallDriver to it turns
// the C IRP's next stack location into the wskemu twin's (parameters, a view
// of the SystemBuffer, the MDL chain over C memory), so the TS dispatch
// routine reads and writes the C driver's buffers in place.
import { poolTag } from "../../irp/pool.ts";
import { IO_TYPE_FILE, METHOD_BUFFERED, METHOD_NEITHER } from "../../irp/ioctl.ts";
import {
  type DEVICE_OBJECT,
  IoCallDriver,
  IRP_MJ_DEVICE_CONTROL,
  IRP_MJ_INTERNAL_DEVICE_CONTROL,
  IRP_MJ_READ,
  IRP_MJ_WRITE,
  lookupDevice,
} from "../../irp/mod.ts";
import {
  STATUS_INSUFFICIENT_RESOURCES,
  STATUS_OBJECT_NAME_NOT_FOUND,
  STATUS_SUCCESS,
} from "../../irp/ntstatus.ts";
import { readMdlChain } from "./_wsk_events.ts";
import type { HostParts } from "./_parts.ts";

const FOREIGN_TAG = poolTag("nroF"); // 'Forn' in memory

/** What the bridge needs from the host. */
export type ForeignDeps = Pick<HostParts, "mem" | "irps" | "allocate" | "free">;

/** A C FILE_OBJECT the driver got from IoGetDeviceObjectPointer, and the C stand-in of its device. */
interface Opened {
  device: DEVICE_OBJECT;
  proxy: number;
}

/** The other drivers' devices a C driver holds. */
export class ForeignDevices {
  private readonly files = new Map<number, Opened>();
  private readonly proxies = new Map<number, DEVICE_OBJECT>();

  constructor(private readonly d: ForeignDeps) {}

  /**
   * IoGetDeviceObjectPointer: `own` maps the driver's own devices to their C
   * objects; any other named device gets a C stand-in.
   */
  open(
    ObjectName: number,
    FileObject: number,
    DeviceObject: number,
    own: (device: DEVICE_OBJECT) => number | undefined,
  ): number {
    const { mem } = this.d;
    const device = ObjectName ? lookupDevice(mem.unicodeString(ObjectName)) : null;
    if (device === null) return STATUS_OBJECT_NAME_NOT_FOUND;
    let proxy = own(device) ?? 0;
    if (proxy === 0) {
      proxy = this.d.allocate(mem.off("DEVICE_OBJECT"), FOREIGN_TAG);
      const f = (field: string) => proxy + mem.off(`DEVICE_OBJECT.${field}`);
      mem.setU16(f("Type"), 3);
      mem.setU16(f("Size"), mem.off("DEVICE_OBJECT"));
      mem.setU32(f("Flags"), device.Flags);
      mem.setU32(f("Characteristics"), device.Characteristics);
      mem.setU32(f("DeviceType"), device.DeviceType);
      mem.setByte(f("StackSize"), device.StackSize);
      this.proxies.set(proxy, device);
    }
    const file = this.d.allocate(mem.off("FILE_OBJECT"), FOREIGN_TAG);
    if (file === 0) return STATUS_INSUFFICIENT_RESOURCES;
    mem.setU16(file + mem.off("FILE_OBJECT.Type"), IO_TYPE_FILE);
    mem.setU16(file + mem.off("FILE_OBJECT.Size"), mem.off("FILE_OBJECT"));
    mem.setU32(file + mem.off("FILE_OBJECT.DeviceObject"), proxy);
    this.files.set(file, { device, proxy });
    mem.setU32(FileObject, file);
    mem.setU32(DeviceObject, proxy);
    return STATUS_SUCCESS;
  }

  /** ObDereferenceObject on a file object: it closes, and a stand-in nobody holds goes. Else false. */
  close(Object: number): boolean {
    const opened = this.files.get(Object);
    if (!opened) return false;
    this.files.delete(Object);
    this.d.free(Object);
    const held = [...this.files.values()].some((o) => o.proxy === opened.proxy);
    if (!held && this.proxies.delete(opened.proxy)) this.d.free(opened.proxy);
    return true;
  }

  /** The wskemu device a C stand-in is for. */
  device(proxy: number): DEVICE_OBJECT | undefined {
    return this.proxies.get(proxy);
  }

  /** IoCallDriver from C to another driver's device: the next location, translated, then wskemu's call. */
  call(device: DEVICE_OBJECT, address: number): number {
    const { mem, irps } = this.d;
    const Irp = irps.take(address);
    if (Irp === null) return irps.twin(address, "IoCallDriver") as never;
    const current = mem.byte(address + mem.off("IRP.CurrentLocation")) << 24 >> 24;
    const location = address + mem.off("IRP") + (current - 2) * mem.off("IO_STACK_LOCATION");
    const IrpSp = Irp.Stack[current - 2];
    if (IrpSp) {
      const u32 = (field: string) => mem.u32(location + mem.off(`IO_STACK_LOCATION.${field}`));
      const system = mem.u32(address + mem.off("IRP.AssociatedIrp.SystemBuffer"));
      let systemLength = 0;
      const major = IrpSp.MajorFunction;
      if (major === IRP_MJ_DEVICE_CONTROL || major === IRP_MJ_INTERNAL_DEVICE_CONTROL) {
        const p = "Parameters.DeviceIoControl.";
        const io = {
          OutputBufferLength: u32(`${p}OutputBufferLength`),
          InputBufferLength: u32(`${p}InputBufferLength`),
          IoControlCode: u32(`${p}IoControlCode`),
          Type3InputBuffer: u32(`${p}Type3InputBuffer`),
        };
        IrpSp.Parameters = { DeviceIoControl: io };
        const method = io.IoControlCode & 3;
        systemLength = method === METHOD_BUFFERED
          ? Math.max(io.InputBufferLength, io.OutputBufferLength)
          : method === METHOD_NEITHER
          ? 0
          : io.InputBufferLength;
      } else if (major === IRP_MJ_READ || major === IRP_MJ_WRITE) {
        const Length = u32("Parameters.Read.Length");
        IrpSp.Parameters = major === IRP_MJ_READ ? { Read: { Length } } : { Write: { Length } };
        systemLength = Length;
      }
      Irp.AssociatedIrp.SystemBuffer = system && mem.inside(system, systemLength)
        ? mem.view(system, systemLength)
        : null;
      Irp.MdlAddress = readMdlChain(mem, mem.u32(address + mem.off("IRP.MdlAddress")));
    }
    return IoCallDriver(device, Irp);
  }

  /** File objects the driver never dereferenced, for the unload report. */
  held(): number[] {
    return [...this.files.keys()];
  }
}
