// Copyright 2026 the wskemu authors. MIT license.
// Runs a C driver the way `deno task driver run` does, for tests: DriverEntry,
// then wait for SIGTERM, DriverUnload and the unload report. Exit 0 only for a
// clean run (DriverEntry succeeded, no bug check, nothing leaked).
//
//   deno run -A tests/c/_runner.ts driver.wasm [--param NAME=VALUE]... [--pages N]
import { loadWasmDriver, RegistryStore } from "../../host/wasm/mod.ts";
import { completionQueueIdle, onBugCheck } from "../../irp/completion.ts";
import { DRIVER_OBJECT } from "../../irp/device.ts";
import { formatNtStatus, NT_SUCCESS } from "../../irp/ntstatus.ts";

const [path, ...rest] = Deno.args;
const parameters: Record<string, number | string> = {};
let memoryPages: number | undefined;
for (let i = 0; i < rest.length; i++) {
  if (rest[i] === "--param") {
    const [name, value] = rest[++i]!.split("=", 2) as [string, string];
    parameters[name] = RegistryStore.parameter(value);
  } else if (rest[i] === "--pages") {
    memoryPages = Number(rest[++i]);
  }
}

// Listen before anything is printed: a test may signal as soon as it sees a line.
const terminated = new Promise<void>((resolve) =>
  Deno.addSignalListener("SIGTERM", () => resolve())
);

onBugCheck((error) => {
  console.log(`*** STOP: ${error.message}`);
  Deno.exit(1);
});

const name = path!.replace(/^.*\//, "").replace(/\.wasm$/, "");
const driver = await loadWasmDriver(path!, { parameters, memoryPages });
const DriverObject = new DRIVER_OBJECT(`\\Driver\\${name}`);
const Buffer = `\\Registry\\Machine\\System\\CurrentControlSet\\Services\\${name}`;
const status = await driver.DriverEntry(DriverObject, {
  Length: Buffer.length * 2,
  MaximumLength: 0,
  Buffer,
});
if (!NT_SUCCESS(status)) {
  console.log(`DriverEntry failed: ${formatNtStatus(status)}`);
  Deno.exit(1);
}
console.log(`DriverEntry: ${formatNtStatus(status)}`);

await terminated;
await DriverObject.DriverUnload?.(DriverObject);
await completionQueueIdle();
const leaks = driver.leaks?.() ?? [];
const count = (kind: string) => leaks.filter((l) => l.kind === kind).length;
for (const leak of leaks) {
  console.log(`leak: ${leak.kind}: ${leak.description}${leak.site ? ` at ${leak.site}` : ""}`);
}
console.log(
  `unloaded: ${count("irp")} IRPs, ${count("socket")} sockets and ${
    count("pool")
  } pool blocks outstanding`,
);
Deno.exit(leaks.length === 0 ? 0 : 1);
