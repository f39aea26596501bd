// Copyright 2026 the wskemu authors. MIT license.
// IoCallDriver from C: a driver sends IRPs it allocated to its own device and
// passes requests from its upper device down to its lower one; the dispatch
// routine gets the same C IRP, and the completion routines run in C.
import assert from "node:assert/strict";
import { loadWasmDriver } from "../../host/wasm/mod.ts";
import {
  type DEVICE_OBJECT,
  DRIVER_OBJECT,
  IoCompleteRequest,
  IoCreateDevice,
  IoDeleteDevice,
  IoGetCurrentIrpStackLocation,
  IoMarkIrpPending,
  type IRP,
  IRP_MJ_DEVICE_CONTROL,
  lookupDevice,
  STATUS_PENDING,
  STATUS_SUCCESS,
} from "../../irp/mod.ts";
import { driverWasm, haveToolchain } from "./_driver.ts";
import { deviceControl } from "./_ioctl.ts";

const IOCTL_REVERSE = (0x22 << 16) | (0x800 << 2);
const IOCTL_LATER = (0x22 << 16) | (0x802 << 2);
const IOCTL_PASS = (0x22 << 16) | (0x803 << 2);

Deno.test({
  name:
    "tests/c/drivers/call_driver.c: IoCallDriver from C reaches its own devices, completion routines included",
  ignore: !haveToolchain,
  async fn() {
    const lines: string[] = [];
    const driver = await loadWasmDriver(await driverWasm("tests/c/drivers/call_driver.c"), {
      memoryPages: 32,
      print: (line) => lines.push(line.trimEnd()),
    });
    const DriverObject = new DRIVER_OBJECT("\\Driver\\call_driver");
    const RegistryPath = { Length: 0, MaximumLength: 0, Buffer: "\\Registry\\x" };
    assert.equal(await driver.DriverEntry(DriverObject, RegistryPath), STATUS_SUCCESS);
    // DriverEntry's own IRPs: answered at once, pended and completed from a DPC, or held and cancelled.
    assert.deepEqual(lines.splice(0), [
      "lower: location 1 of 1, its own device",
      'sent: returned 0x00000000, completed 0x00000000 with 6 bytes "umeksw", pending 0, location 2, cancel 0',
      "lower: location 1 of 1, its own device",
      'sent: returned 0x00000103, completed 0x00000000 with 6 bytes "umeksw", pending 1, location 2, cancel 0',
      "lower: location 1 of 1, its own device",
      "IoCancelIrp: TRUE",
      'sent: returned 0x00000103, completed 0xC0000120 with 0 bytes "wskemu", pending 1, location 2, cancel 1',
      // IoBuildDeviceIoControlRequest's IRP has the I/O manager's location on top.
      "lower: location 1 of 2, its own device",
      'built: 0x00000000 with 6 bytes "revird", input "driver"',
      "lower: location 1 of 2, its own device",
      'built: 0x00000000 with 6 bytes "revird", input "driver"',
    ]);

    const Upper = lookupDevice("\\Device\\WskemuUpper")!;
    assert.equal(Upper.StackSize, 2);
    const now = new TextEncoder().encode("abc");
    const answered = deviceControl(Upper, IOCTL_REVERSE, now);
    assert.equal(answered.returned, STATUS_SUCCESS);
    assert.deepEqual(await answered.completed, { Status: STATUS_SUCCESS, Information: 3 });
    assert.equal(new TextDecoder().decode(now), "cba");

    const later = new TextEncoder().encode("later");
    const pended = deviceControl(Upper, IOCTL_LATER, later);
    assert.equal(pended.returned, STATUS_PENDING);
    assert.deepEqual(await pended.completed, { Status: STATUS_SUCCESS, Information: 5 });
    assert.equal(new TextDecoder().decode(later), "retal");
    // Passed down with IoSkipCurrentIrpStackLocation: the lower device gets the upper's location.
    const skipped = new TextEncoder().encode("skip");
    const passed = deviceControl(Upper, IOCTL_PASS, skipped);
    assert.equal(passed.returned, STATUS_SUCCESS);
    assert.deepEqual(await passed.completed, { Status: STATUS_SUCCESS, Information: 4 });
    assert.equal(new TextDecoder().decode(skipped), "piks");
    assert.deepEqual(lines.splice(0), [
      "lower: location 1 of 2, its own device",
      "lower: location 1 of 2, its own device",
      "lower: location 2 of 2, its own device",
    ]);

    await DriverObject.DriverUnload?.(DriverObject);
    assert.deepEqual(lines, ["upper completions: 2"]);
    assert.deepEqual(driver.leaks?.(), []);
  },
});

/** A TS driver's device: IOCTL_REVERSE reverses the SystemBuffer at once; IOCTL_FILL pends, then fills the MDL chain. */
function tsReverseDevice(): DEVICE_OBJECT {
  const Driver = new DRIVER_OBJECT("\\Driver\\TsReverse");
  Driver.MajorFunction[IRP_MJ_DEVICE_CONTROL] = (_Device, Irp: IRP) => {
    const { IoControlCode, InputBufferLength } = IoGetCurrentIrpStackLocation(Irp).Parameters
      .DeviceIoControl as { IoControlCode: number; InputBufferLength: number };
    if (IoControlCode === IOCTL_REVERSE) {
      Irp.AssociatedIrp.SystemBuffer!.subarray(0, InputBufferLength).reverse();
      Irp.IoStatus.Status = STATUS_SUCCESS;
      Irp.IoStatus.Information = InputBufferLength;
      IoCompleteRequest(Irp, 0);
      return STATUS_SUCCESS;
    }
    IoMarkIrpPending(Irp);
    queueMicrotask(() => {
      let count = 0;
      for (let Mdl = Irp.MdlAddress; Mdl !== null; Mdl = Mdl.Next) {
        Mdl.StartVa.subarray(0, Mdl.ByteCount).fill("t".charCodeAt(0) + count++);
      }
      Irp.IoStatus.Status = STATUS_SUCCESS;
      Irp.IoStatus.Information = 7;
      IoCompleteRequest(Irp, 0);
    });
    return STATUS_PENDING;
  };
  const Device = { value: null as DEVICE_OBJECT | null };
  IoCreateDevice(Driver, 0, { Buffer: "\\Device\\WskemuTsReverse" }, 0x22, 0, false, Device);
  return Device.value!;
}

Deno.test({
  name:
    "tests/c/drivers/ts_device.c: a C driver opens a TS driver's device by name, calls it (buffered, over an MDL chain) and passes requests down to it",
  ignore: !haveToolchain,
  async fn() {
    const lines: string[] = [];
    const driver = await loadWasmDriver(await driverWasm("tests/c/drivers/ts_device.c"), {
      memoryPages: 32,
      print: (line) => lines.push(line.trimEnd()),
    });
    const Device = tsReverseDevice();
    const DriverObject = new DRIVER_OBJECT("\\Driver\\ts_device");
    const RegistryPath = { Length: 0, MaximumLength: 0, Buffer: "\\Registry\\x" };
    try {
      assert.equal(await driver.DriverEntry(DriverObject, RegistryPath), STATUS_SUCCESS);
      // A request to the C filter device, passed down to the TS device with the C copy of its buffer.
      const input = new TextEncoder().encode("filter");
      const filtered = deviceControl(lookupDevice("\\Device\\WskemuFilter")!, IOCTL_REVERSE, input);
      assert.deepEqual(await filtered.completed, { Status: STATUS_SUCCESS, Information: 6 });
      assert.equal(new TextDecoder().decode(input), "retlif");
      await DriverObject.DriverUnload?.(DriverObject);
    } finally {
      IoDeleteDevice(Device);
    }
    assert.deepEqual(lines, [
      "open a missing device: 0xC0000034",
      "open: 0x00000000, stack size 1, file object of it: yes",
      'reverse: 0x00000000 6 bytes "lenrek"',
      'fill: returned 0x00000103, completed 0x00000000 with 7 bytes "tttuuuu"',
    ]);
    assert.deepEqual(driver.leaks?.(), []);
  },
});

Deno.test({
  name:
    "tests/c/drivers/c_device_client.c: a C driver calls another C driver's device (buffered and over an MDL chain) and passes requests down to it",
  ignore: !haveToolchain,
  async fn() {
    const lines: string[] = [];
    const print = (line: string) => lines.push(line.trimEnd());
    const target = await loadWasmDriver(await driverWasm("tests/c/drivers/device.c"), {
      memoryPages: 32,
      print,
    });
    const TargetObject = new DRIVER_OBJECT("\\Driver\\device");
    const RegistryPath = { Length: 0, MaximumLength: 0, Buffer: "\\Registry\\x" };
    assert.equal(await target.DriverEntry(TargetObject, RegistryPath), STATUS_SUCCESS);
    const client = await loadWasmDriver(await driverWasm("tests/c/drivers/c_device_client.c"), {
      memoryPages: 32,
      print,
    });
    const ClientObject = new DRIVER_OBJECT("\\Driver\\c_device_client");
    try {
      assert.equal(await client.DriverEntry(ClientObject, RegistryPath), STATUS_SUCCESS);
      const input = new TextEncoder().encode("filter");
      const filtered = deviceControl(lookupDevice("\\Device\\WskemuFilter")!, IOCTL_REVERSE, input);
      assert.deepEqual(await filtered.completed, { Status: STATUS_SUCCESS, Information: 6 });
      assert.equal(new TextDecoder().decode(input), "retlif");
      await ClientObject.DriverUnload?.(ClientObject);
    } finally {
      await TargetObject.DriverUnload?.(TargetObject);
    }
    assert.deepEqual(lines, [
      "IoCreateSymbolicLink: 0x00000000",
      "open a missing device: 0xC0000034",
      "open: 0x00000000, stack size 1, file object of it: yes",
      "DeviceControl call 1: 6 bytes, 0x00000000",
      'reverse: 0x00000000 6 bytes "lenrek"',
      "DeviceControl call 2: 7 bytes, 0x00000000",
      'fill: returned 0x00000000, completed 0x00000000 with 7 bytes "abcabcd"',
      "DeviceControl call 3: 6 bytes, 0x00000000",
    ]);
    assert.deepEqual(client.leaks?.(), []);
    assert.deepEqual(target.leaks?.(), []);
  },
});
