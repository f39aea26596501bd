// Copyright 2026 the wskemu authors. MIT license.
// A correct driver with a device its application talks to: \Device\Ioctl,
// linked as \DosDevices\Ioctl, with three IOCTLs (one per transfer method)
// and one that pends and completes later from a DPC.
import {
  CTL_CODE,
  type DEVICE_OBJECT,
  type DRIVER_DISPATCH,
  type DRIVER_OBJECT,
  FILE_ANY_ACCESS,
  FILE_DEVICE_UNKNOWN,
  IoCompleteRequest,
  IoCreateDevice,
  IoCreateSymbolicLink,
  IoDeleteDevice,
  IoDeleteSymbolicLink,
  IoGetCurrentIrpStackLocation,
  IoMarkIrpPending,
  IRP_MJ_CLEANUP,
  IRP_MJ_CLOSE,
  IRP_MJ_CREATE,
  IRP_MJ_DEVICE_CONTROL,
  METHOD_BUFFERED,
  METHOD_NEITHER,
  METHOD_OUT_DIRECT,
  MmGetSystemAddressForMdlSafe,
  NormalPagePriority,
  type NTSTATUS,
  queueDpc,
  STATUS_INVALID_DEVICE_REQUEST,
  STATUS_PENDING,
  STATUS_SUCCESS,
} from "../../mod.ts";

/** Reverses its input into the output (METHOD_BUFFERED). */
export const IOCTL_REVERSE = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS);
/** Fills the output with its input's first byte (METHOD_OUT_DIRECT). */
export const IOCTL_FILL = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_OUT_DIRECT, FILE_ANY_ACCESS);
/** Copies its input to the output (METHOD_NEITHER). */
export const IOCTL_COPY = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x802, METHOD_NEITHER, FILE_ANY_ACCESS);
/** Pends, then completes from a DPC with 0 bytes (METHOD_BUFFERED). */
export const IOCTL_LATER = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x803, METHOD_BUFFERED, FILE_ANY_ACCESS);

/** The major functions the device saw, in order. */
export const Seen: string[] = [];

const complete = (Irp: Parameters<DRIVER_DISPATCH>[1], Status: NTSTATUS, Information = 0) => {
  Irp.IoStatus.Status = Status;
  Irp.IoStatus.Information = Information;
  IoCompleteRequest(Irp, 0);
  return Status;
};

const DispatchOpenClose: DRIVER_DISPATCH = (_DeviceObject, Irp) => {
  const major = IoGetCurrentIrpStackLocation(Irp).MajorFunction;
  Seen.push(major === IRP_MJ_CREATE ? "create" : major === IRP_MJ_CLEANUP ? "cleanup" : "close");
  return complete(Irp, STATUS_SUCCESS);
};

const DispatchDeviceControl: DRIVER_DISPATCH = (_DeviceObject, Irp) => {
  const IrpSp = IoGetCurrentIrpStackLocation(Irp);
  const { IoControlCode, InputBufferLength, OutputBufferLength, Type3InputBuffer } = IrpSp
    .Parameters.DeviceIoControl as {
      IoControlCode: number;
      InputBufferLength: number;
      OutputBufferLength: number;
      Type3InputBuffer: Uint8Array | null;
    };
  Seen.push("ioctl");
  const System = Irp.AssociatedIrp.SystemBuffer;
  switch (IoControlCode) {
    case IOCTL_REVERSE: {
      const n = Math.min(InputBufferLength, OutputBufferLength);
      System!.subarray(0, n).reverse();
      return complete(Irp, STATUS_SUCCESS, n);
    }
    case IOCTL_FILL: {
      const Out = MmGetSystemAddressForMdlSafe(Irp.MdlAddress!, NormalPagePriority)!;
      Out.fill(System![0]!);
      return complete(Irp, STATUS_SUCCESS, OutputBufferLength);
    }
    case IOCTL_COPY:
      Irp.UserBuffer!.set(Type3InputBuffer!.subarray(0, OutputBufferLength));
      return complete(Irp, STATUS_SUCCESS, Math.min(InputBufferLength, OutputBufferLength));
    case IOCTL_LATER:
      IoMarkIrpPending(Irp);
      queueDpc(function CompleteLater() {
        complete(Irp, STATUS_SUCCESS);
      });
      return STATUS_PENDING;
  }
  return complete(Irp, STATUS_INVALID_DEVICE_REQUEST);
};

const DeviceName = { Length: 24, MaximumLength: 26, Buffer: "\\Device\\Ioctl" };
const LinkName = { Length: 30, MaximumLength: 32, Buffer: "\\DosDevices\\Ioctl" };

export function DriverEntry(DriverObject: DRIVER_OBJECT): NTSTATUS {
  const Device = { value: null as DEVICE_OBJECT | null };
  let Status = IoCreateDevice(DriverObject, 0, DeviceName, FILE_DEVICE_UNKNOWN, 0, false, Device);
  if (Status !== STATUS_SUCCESS) return Status;
  Status = IoCreateSymbolicLink(LinkName, DeviceName);
  if (Status !== STATUS_SUCCESS) {
    IoDeleteDevice(Device.value!);
    return Status;
  }
  DriverObject.MajorFunction[IRP_MJ_CREATE] = DispatchOpenClose;
  DriverObject.MajorFunction[IRP_MJ_CLEANUP] = DispatchOpenClose;
  DriverObject.MajorFunction[IRP_MJ_CLOSE] = DispatchOpenClose;
  DriverObject.MajorFunction[IRP_MJ_DEVICE_CONTROL] = DispatchDeviceControl;
  DriverObject.DriverUnload = (DriverObject) => {
    IoDeleteSymbolicLink(LinkName);
    IoDeleteDevice(DriverObject.DeviceObject!);
  };
  return STATUS_SUCCESS;
}
