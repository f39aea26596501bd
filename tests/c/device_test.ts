// Copyright 2026 the wskemu authors. MIT license.
// A C driver's device, reached through wskemu's I/O manager: IoCallDriver
// with IRP_MJ_DEVICE_CONTROL runs the C dispatch routine on a C copy of the
// IRP, and the C IoCompleteRequest completes the wskemu IRP with the buffer.
import assert from "node:assert/strict";
import {
  CloseHandle,
  CreateFile,
  DeviceIoControl,
  INVALID_HANDLE_VALUE,
} from "../../host/user_mode.ts";
import { loadWasmDriver } from "../../host/wasm/mod.ts";
import {
  DO_BUFFERED_IO,
  DO_DEVICE_INITIALIZING,
  DRIVER_OBJECT,
  STATUS_SUCCESS,
} from "../../irp/mod.ts";
import { driverWasm, haveToolchain } from "./_driver.ts";
import { deviceControl } from "./_ioctl.ts";

const IOCTL_REVERSE = (0x22 << 16) | (0x800 << 2);
const IOCTL_FILL = (0x22 << 16) | (0x801 << 2) | 2; // METHOD_OUT_DIRECT

Deno.test({
  name:
    "tests/c/drivers/device.c: IRP_MJ_DEVICE_CONTROL reaches the C dispatch routine and completes with its output",
  ignore: !haveToolchain,
  async fn() {
    const lines: string[] = [];
    const driver = await loadWasmDriver(await driverWasm("tests/c/drivers/device.c"), {
      memoryPages: 32,
      print: (line) => lines.push(line),
    });
    const DriverObject = new DRIVER_OBJECT("\\Driver\\device");
    const status = await driver.DriverEntry(DriverObject, {
      Length: 0,
      MaximumLength: 0,
      Buffer: "\\Registry\\x",
    });
    assert.equal(status, STATUS_SUCCESS);
    const Device = DriverObject.DeviceObject!;
    assert.equal(Device.Flags & (DO_BUFFERED_IO | DO_DEVICE_INITIALIZING), DO_BUFFERED_IO);

    const input = new TextEncoder().encode("wskemu");
    const reversed = deviceControl(Device, IOCTL_REVERSE, input);
    assert.equal(reversed.returned, STATUS_SUCCESS);
    assert.deepEqual(await reversed.completed, { Status: STATUS_SUCCESS, Information: 6 });
    assert.equal(new TextDecoder().decode(input), "umeksw");

    const unknown = deviceControl(Device, 0x1234, new Uint8Array(4));
    assert.equal((await unknown.completed).Status, 0xC0000010); // STATUS_INVALID_DEVICE_REQUEST
    assert.match(lines.join("\n"), /DeviceControl call 2: 0 bytes, 0xC0000010/);

    const output = new Uint8Array(5);
    const filled = deviceControl(Device, IOCTL_FILL, new Uint8Array(0), output);
    assert.deepEqual(await filled.completed, { Status: STATUS_SUCCESS, Information: 5 });
    assert.equal(new TextDecoder().decode(output), "abcde");

    // An MDL chain: the driver walks Next and fills every buffer.
    const first = new Uint8Array(3), second = new Uint8Array(4);
    const chained = deviceControl(Device, IOCTL_FILL, new Uint8Array(0), first, second);
    assert.deepEqual(await chained.completed, { Status: STATUS_SUCCESS, Information: 7 });
    assert.deepEqual(new TextDecoder().decode(first) + new TextDecoder().decode(second), "abcabcd");

    await DriverObject.DriverUnload?.(DriverObject);
    assert.equal(DriverObject.DeviceObject, null);
    assert.deepEqual(driver.leaks?.(), []);
  },
});

Deno.test({
  name:
    "the host's CreateFile / DeviceIoControl / CloseHandle reach the C driver through its symbolic link",
  ignore: !haveToolchain,
  async fn() {
    const driver = await loadWasmDriver(await driverWasm("tests/c/drivers/device.c"), {
      memoryPages: 32,
      print: () => {},
    });
    const DriverObject = new DRIVER_OBJECT("\\Driver\\device");
    assert.equal(
      await driver.DriverEntry(DriverObject, {
        Length: 0,
        MaximumLength: 0,
        Buffer: "\\Registry\\x",
      }),
      STATUS_SUCCESS,
    );
    const handle = await CreateFile("\\\\.\\WskemuReverse");
    assert.notEqual(handle, INVALID_HANDLE_VALUE);
    const result = await DeviceIoControl(
      handle,
      IOCTL_REVERSE,
      new TextEncoder().encode("driver"),
      6,
    );
    assert.equal(result.Status, STATUS_SUCCESS);
    assert.equal(result.BytesReturned, 6);
    assert.equal(new TextDecoder().decode(result.OutBuffer), "revird");
    assert.equal(await CloseHandle(handle), true);
    await DriverObject.DriverUnload?.(DriverObject);
    assert.deepEqual(driver.leaks?.(), []);
  },
});
