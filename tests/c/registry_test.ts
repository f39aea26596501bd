// Copyright 2026 the wskemu authors. MIT license.
// A C driver reads the same registry as a TS driver, with the same layouts,
// flags and statuses; its key handles are kernel handles, listed when leaked
// and checked for IRQL.
import assert from "node:assert/strict";
import { DriverHost, SERVICES_KEY } from "../../host/mod.ts";
import { loadWasmDriver } from "../../host/wasm/mod.ts";
import {
  REG_BINARY,
  REG_DWORD,
  REG_MULTI_SZ,
  REG_QWORD,
  registryQueryValue,
  registrySetValue,
  STATUS_SUCCESS,
} from "../../irp/mod.ts";
import { driverWasm, haveToolchain, startDriver } from "./_driver.ts";

Deno.test({
  name:
    "tests/c/drivers/registry.c reads every information class, subkeys, defaults and typed values as a TS driver would",
  ignore: !haveToolchain,
  async fn() {
    const lines: string[] = [];
    const driver = await loadWasmDriver(await driverWasm("tests/c/drivers/registry.c"), {
      memoryPages: 32,
      print: (line) => lines.push(line),
    });
    const host = new DriverHost(driver, {
      name: "cregistry",
      parameters: { Port: "40007", Host: "localhost" },
      log: () => {},
    });
    const parameters = `${SERVICES_KEY}\\cregistry\\Parameters`;
    registrySetValue(`${parameters}\\Sub`, "Inner", REG_DWORD, 7);
    registrySetValue(
      parameters,
      "Names",
      REG_MULTI_SZ,
      new Uint8Array([111, 0, 110, 0, 101, 0, 0, 0, 116, 0, 119, 0, 111, 0, 0, 0, 0, 0]),
    );
    registrySetValue(parameters, "Blob", REG_BINARY, new Uint8Array([1, 2, 3, 4, 5, 6]));
    registrySetValue(parameters, "Big", REG_QWORD, 0x1_0000_0002);
    registrySetValue(parameters, "Once", REG_DWORD, 1);

    assert.equal(await host.start(), STATUS_SUCCESS, lines.join("\n"));
    assert.equal(
      registryQueryValue(parameters, "Once"),
      null,
      "RTL_QUERY_REGISTRY_DELETE deleted it",
    );
    const report = await host.stop();

    assert.deepEqual(lines, [
      "basic: 00000000 type 4 name Port result 20",
      "full: 00000000 type 4 offset 32 data 4 name Port value 40007 result 36",
      "full in 8 bytes: C0000023 result 36 untouched EEEEEEEE",
      "full in 20 bytes: 80000005 name length 8 result 36",
      "relative: 00000000 Inner 7",
      "routine: Marker type 0 no data, length 0",
      'routine: Names type 1 "one" length 8',
      'routine: Names type 1 "two" length 8',
      "routine: Once type 4 1 length 4",
      "table: 00000000 Inner 7 Port 40007 Backlog 128 Typed 40007",
      "blob: 01 02 03 04 05 06",
      "big: length 8 type 11 low 2 high 1",
      'host: "localhost" length 18 maximum 20',
      "typecheck REG_SZ as REG_DWORD: C0000024",
      "REG_SZ into 4 characters: C0000023",
      "required and missing: C0000034",
      "routine: Inner type 4 7 length 4",
      "by handle: 00000000",
    ]);
    assert.equal(report.clean, true, JSON.stringify(report.leaks));
  },
});

Deno.test({
  name:
    "tests/c/drivers/key_leak.c: a registry key handle a C driver leaves open is in the unload report",
  ignore: !haveToolchain,
  async fn() {
    const { code, output } = await startDriver(await driverWasm("tests/c/drivers/key_leak.c"), {}, [
      "--for",
      "0",
    ]).exited();
    assert.match(
      output,
      /registry handle 0x[0-9A-Fa-f]+ on \\Registry\\Machine\\System\\CurrentControlSet\\Services\\[\w-]+\\Parameters not closed \(ZwClose\)/,
      output,
    );
    assert.equal(code, 1);
  },
});

Deno.test({
  name: "tests/c/drivers/zw_at_dispatch.c: ZwOpenKey at DISPATCH_LEVEL is 0xC4 with the DDI rule",
  ignore: !haveToolchain,
  async fn() {
    const { code, output } = await startDriver(
      await driverWasm("tests/c/drivers/zw_at_dispatch.c"),
      {},
      ["--for", "0"],
    ).exited();
    assert.match(output, /ZwOpenKey called at IRQL 2.*IrqlZwPassive/, output);
    assert.equal(code, 1);
  },
});

Deno.test({
  name:
    "tests/c/drivers/query_routine_waits.c: a QueryRoutine that waits is 0x1E naming the routine and the wait",
  ignore: !haveToolchain,
  async fn() {
    const { code, output } = await startDriver(
      await driverWasm("tests/c/drivers/query_routine_waits.c"),
      { Port: "5" },
      ["--for", "0"],
    ).exited();
    assert.match(
      output,
      /the QueryRoutine Routine blocks \(KeDelayExecutionThread\), but wskemu runs QueryRoutines synchronously inside RtlQueryRegistryValues/,
      output,
    );
    assert.equal(code, 1);
  },
});
