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

Deno.test("a trace kept only for the verifier's reports holds the last events, not every one, however long the run", async () => {
  const { host, port } = await startEchoServer("standard");
  // 1 byte at a time: thousands of receives and sends.
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const one = new Uint8Array(1);
  for (let i = 0; i < 1500; i++) {
    await conn.write(one);
    assert.equal(await conn.read(one), 1);
  }
  conn.close();
  const kept = host.trace!.events.filter((e) => e.ph !== "M").length;
  const report = await host.stop();
  assert.equal(report.clean, true, report.reason);
  assert.equal(kept, 1024, `${kept} events kept`);
});
