// Copyright 2026 the wskemu authors. MIT license.
// The application's side: CreateFile, DeviceIoControl and CloseHandle drive a
// driver's device through the IRPs Windows sends.
import assert from "node:assert/strict";
import {
  CloseHandle,
  CreateFile,
  DeviceIoControl,
  DriverHost,
  INVALID_HANDLE_VALUE,
  RtlGetLastNtStatus,
} from "../../host/mod.ts";
import {
  DriverVerifier,
  outstandingIrps,
  STATUS_INSUFFICIENT_RESOURCES,
  STATUS_INVALID_DEVICE_REQUEST,
  STATUS_INVALID_HANDLE,
  STATUS_OBJECT_NAME_NOT_FOUND,
  STATUS_SUCCESS,
} from "../../irp/mod.ts";
import * as driver from "../drivers/ioctl_device.ts";

async function withDriver(test: () => Promise<void>): Promise<void> {
  const host = new DriverHost(driver, { name: "ioctl", log: () => {} });
  assert.equal(await host.start(), STATUS_SUCCESS);
  try {
    await test();
  } finally {
    const report = await host.stop();
    assert.equal(report.clean, true, report.reason);
  }
}

Deno.test("CreateFile follows the symbolic link to the device; CloseHandle sends cleanup then close", async () => {
  driver.Seen.length = 0;
  await withDriver(async () => {
    const handle = await CreateFile("\\\\.\\Ioctl");
    assert.notEqual(handle, INVALID_HANDLE_VALUE);
    assert.equal(await CloseHandle(handle), true);
    assert.equal(await CloseHandle(handle), false);
    assert.equal(RtlGetLastNtStatus(), STATUS_INVALID_HANDLE);
  });
  assert.deepEqual(driver.Seen, ["create", "cleanup", "close"]);
  assert.equal(await CreateFile("\\\\.\\Ioctl"), INVALID_HANDLE_VALUE, "gone with its driver");
  assert.equal(RtlGetLastNtStatus(), STATUS_OBJECT_NAME_NOT_FOUND);
});

Deno.test("DeviceIoControl: METHOD_BUFFERED through SystemBuffer, bytes returned = Information", async () => {
  await withDriver(async () => {
    const handle = await CreateFile("\\\\.\\Ioctl");
    const result = await DeviceIoControl(
      handle,
      driver.IOCTL_REVERSE,
      new Uint8Array([1, 2, 3, 4]),
      6,
    );
    assert.equal(result.Status, STATUS_SUCCESS);
    assert.equal(result.BytesReturned, 4);
    assert.deepEqual([...result.OutBuffer], [4, 3, 2, 1, 0, 0]);
    await CloseHandle(handle);
  });
});

Deno.test("DeviceIoControl: METHOD_OUT_DIRECT fills an MDL; METHOD_NEITHER uses the caller's buffers", async () => {
  await withDriver(async () => {
    const handle = await CreateFile("\\\\.\\Ioctl");
    const filled = await DeviceIoControl(handle, driver.IOCTL_FILL, new Uint8Array([7]), 5);
    assert.deepEqual([...filled.OutBuffer], [7, 7, 7, 7, 7]);
    assert.equal(filled.BytesReturned, 5);
    const copied = await DeviceIoControl(handle, driver.IOCTL_COPY, new Uint8Array([9, 8]), 2);
    assert.deepEqual([...copied.OutBuffer], [9, 8]);
    await CloseHandle(handle);
  });
});

Deno.test("DeviceIoControl waits for an IOCTL the driver pends and completes later; unknown codes fail", async () => {
  await withDriver(async () => {
    const handle = await CreateFile("\\\\.\\Ioctl");
    const later = await DeviceIoControl(handle, driver.IOCTL_LATER, null, 0);
    assert.equal(later.Status, STATUS_SUCCESS);
    const unknown = await DeviceIoControl(handle, 0x22FFFC, null, 0);
    assert.equal(unknown.Status, STATUS_INVALID_DEVICE_REQUEST);
    await CloseHandle(handle);
  });
});

Deno.test("an out-direct IOCTL whose MDL cannot be allocated fails with no IRP or MDL left behind", async () => {
  await withDriver(async () => {
    const handle = await CreateFile("\\\\.\\Ioctl");
    const before = outstandingIrps();
    DriverVerifier.lowResourcesProbability = 1;
    DriverVerifier.lowResourcesFunctions = ["IoAllocateMdl"];
    let failed;
    try {
      failed = await DeviceIoControl(handle, driver.IOCTL_FILL, new Uint8Array([7]), 5);
    } finally {
      DriverVerifier.lowResourcesProbability = 0;
      DriverVerifier.lowResourcesFunctions = null;
    }
    assert.equal(failed.Status, STATUS_INSUFFICIENT_RESOURCES);
    assert.equal(RtlGetLastNtStatus(), STATUS_INSUFFICIENT_RESOURCES);
    assert.equal(outstandingIrps(), before);
    await CloseHandle(handle);
  });
});

Deno.test("the trace shows the application's requests as spans on the device's track", async () => {
  const host = new DriverHost(driver, { name: "ioctl", log: () => {}, trace: true });
  await host.start();
  const handle = await CreateFile("\\\\.\\Ioctl");
  await DeviceIoControl(handle, driver.IOCTL_LATER, null, 0);
  await CloseHandle(handle);
  assert.equal((await host.stop()).clean, true);
  const events = host.trace!.events;
  const device = events.find((e) => e.ph === "M" && /^device 0x/.test(String(e.args?.name)))!;
  assert.deepEqual(
    events.filter((e) => e.ph === "X" && e.tid === device.tid).map((e) => e.name),
    [
      "IRP_MJ_CREATE → STATUS_SUCCESS",
      "IRP_MJ_DEVICE_CONTROL → STATUS_SUCCESS",
      "IRP_MJ_CLEANUP → STATUS_SUCCESS",
      "IRP_MJ_CLOSE → STATUS_SUCCESS",
    ],
  );
});
