// Copyright 2026 the wskemu authors. MIT license.
// The driver host in-process: what DriverEntry receives, what the unload
// report says, and the verdict.
import assert from "node:assert/strict";
import { DriverHost, SERVICES_KEY, VERIFIER_OFF } from "../../host/mod.ts";
import {
  BugCheckError,
  type DRIVER_OBJECT,
  IoAllocateIrp,
  IoFreeIrp,
  KeBugCheckEx,
  MULTIPLE_IRP_COMPLETE_REQUESTS,
  queueDpc,
  REG_DWORD,
  REG_SZ,
  registryKeyExists,
  registryQueryValue,
  STATUS_DEVICE_NOT_READY,
  STATUS_SUCCESS,
} from "../../irp/mod.ts";
import type { UNICODE_STRING } from "../../wsk/mod.ts";

const quiet = { log: () => {} };

Deno.test("DriverEntry gets \\Driver\\NAME and the service key, with --param values as REG_DWORD or REG_SZ", async () => {
  let seen: { driver: string; path: string; port: unknown; host: unknown } | null = null;
  const host = new DriverHost({
    DriverEntry(DriverObject: DRIVER_OBJECT, RegistryPath: UNICODE_STRING) {
      const key = `${RegistryPath.Buffer}\\Parameters`;
      seen = {
        driver: DriverObject.DriverName.Buffer,
        path: RegistryPath.Buffer,
        port: registryQueryValue(key, "Port")?.Type,
        host: registryQueryValue(key, "Host")?.Type,
      };
      return STATUS_SUCCESS;
    },
  }, { ...quiet, name: "params", parameters: { Port: "9000", Host: "localhost" } });
  assert.equal(await host.start(), STATUS_SUCCESS);
  assert.deepEqual(seen, {
    driver: "\\Driver\\params",
    path: `${SERVICES_KEY}\\params`,
    port: REG_DWORD,
    host: REG_SZ,
  });
  const report = await host.stop();
  assert.equal(report.clean, true);
  assert.equal(registryKeyExists(`${SERVICES_KEY}\\params`), false, "the key goes with the run");
});

Deno.test("a DriverEntry that fails is the verdict, and DriverUnload is not called", async () => {
  let unloaded = false;
  const host = new DriverHost({
    DriverEntry(DriverObject) {
      DriverObject.DriverUnload = () => {
        unloaded = true;
      };
      return STATUS_DEVICE_NOT_READY;
    },
  }, quiet);
  assert.equal(await host.start(), STATUS_DEVICE_NOT_READY);
  const report = await host.stop();
  assert.equal(unloaded, false);
  assert.equal(report.clean, false);
  assert.equal(report.reason, "FAILED: DriverEntry returned STATUS_DEVICE_NOT_READY (0xC00000A3)");
});

Deno.test("the host awaits an async DriverUnload before it collects leaks", async () => {
  const host = new DriverHost({
    DriverEntry(DriverObject) {
      const Irp = IoAllocateIrp(1, false)!;
      DriverObject.DriverUnload = async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        IoFreeIrp(Irp);
      };
      return STATUS_SUCCESS;
    },
  }, quiet);
  await host.start();
  assert.equal((await host.stop()).clean, true);
});

Deno.test("a bug check from queued work reaches the host: whenBugCheck, the report and the verdict", async () => {
  const host = new DriverHost({
    DriverEntry(DriverObject) {
      queueDpc(function CompleteTwice() {
        KeBugCheckEx(MULTIPLE_IRP_COMPLETE_REQUESTS, 0x1000, 0, 0, 0, "completed twice");
      });
      DriverObject.DriverUnload = () => {};
      return STATUS_SUCCESS;
    },
  }, quiet);
  await host.start();
  const bugCheck = await host.whenBugCheck;
  assert.ok(bugCheck instanceof BugCheckError);
  const report = await host.stop();
  assert.equal(report.clean, false);
  assert.match(report.reason, /^FAILED: bug check MULTIPLE_IRP_COMPLETE_REQUESTS \(0x44\)/);
});

Deno.test("without pool tracking leaks are still counted, only without their sites", async () => {
  let Irp: ReturnType<typeof IoAllocateIrp> = null;
  const host = new DriverHost({
    DriverEntry(DriverObject) {
      Irp = IoAllocateIrp(1, false);
      DriverObject.DriverUnload = () => {};
      return STATUS_SUCCESS;
    },
  }, { ...quiet, verifier: VERIFIER_OFF });
  await host.start();
  const report = await host.stop();
  assert.equal(host.trace, null, "nothing is recorded with every option off");
  assert.deepEqual(report.leaks.map((l) => [l.kind, l.site]), [["irp", undefined]]);
  IoFreeIrp(Irp!);
});
