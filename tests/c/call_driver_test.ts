// Copyright 2026 the wskemu authors. MIT license.
// IoCallDriver from C: a driver sends IRPs it allocated to its own device and
// passes requests from its upper device down to its lower one; the dispatch
// routine gets the same C IRP, and the completion routines run in C.
import assert from "node:assert/strict";
import { loadWasmDriver } from "../../host/wasm/mod.ts";
import { DRIVER_OBJECT, lookupDevice, STATUS_PENDING, STATUS_SUCCESS } from "../../irp/mod.ts";
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
      print: (line) => lines.push(line),
    });
    const DriverObject = new DRIVER_OBJECT("\\Driver\\call_driver");
    const RegistryPath = { Length: 0, MaximumLength: 0, Buffer: "\\Registry\\x" };
    assert.equal(await driver.DriverEntry(DriverObject, RegistryPath), STATUS_SUCCESS);
    // DriverEntry's own IRPs: answered at once, or pended and completed from a DPC.
    assert.deepEqual(lines.splice(0), [
      "lower: location 1 of 1, its own device",
      'sent: returned 0x00000000, completed 0x00000000 with 6 bytes "umeksw", pending 0, location 2',
      "lower: location 1 of 1, its own device",
      'sent: returned 0x00000103, completed 0x00000000 with 6 bytes "umeksw", pending 1, location 2',
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
