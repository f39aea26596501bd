// Copyright 2026 the wskemu authors. MIT license.
// Every verifier option watches a correct driver without changing what it
// does: echosrv echoes every byte, in order, and unloads clean under each.
import assert from "node:assert/strict";
import { echo, startEchoServer } from "./_echosrv.ts";

const OPTIONS = [
  "none",
  "standard",
  "specialpool",
  "pooltracking",
  "irqlchecking",
  "iochecks",
  "faults=0.5,faults.functions=None", // dice rolled for every allocation, none failing
  "deadlock=60000",
  "forcepending=1",
];

for (const flags of OPTIONS) {
  Deno.test(`under --verifier ${flags}, echosrv echoes every byte and unloads clean`, async () => {
    const { host, port } = await startEchoServer(flags);
    const failed = await Promise.all([1, 2].map(() => echo(port, 96 * 1024)))
      .then(() => null, (error) => error);
    // Unloaded whatever happened, so one option's failure is not the next one's.
    const report = await host.stop();
    if (failed) throw failed;
    assert.equal(report.reason, "clean: DriverEntry succeeded, no bug check, nothing leaked");
  });
}
