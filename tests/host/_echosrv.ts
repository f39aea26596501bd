// Copyright 2026 the wskemu authors. MIT license.
// examples/echosrv.ts under the driver host on port 0, and a real client for it.
import assert from "node:assert/strict";
import { DriverHost, parseVerifierFlags } from "../../host/mod.ts";
import * as echosrv from "../../examples/echosrv.ts";
import { STATUS_SUCCESS } from "../../irp/mod.ts";
import { readAll, writeAll } from "../_wsk.ts";

/**
 * Loads echosrv with `--verifier flags` (seeded with `seed`) on port 0;
 * returns the host and the port echosrv says it listens on.
 */
export async function startEchoServer(
  flags: string,
  seed = 1,
): Promise<{ host: DriverHost; port: number }> {
  const host = new DriverHost(echosrv, {
    log: () => {},
    name: "echosrv",
    parameters: { Port: "0" },
    verifier: parseVerifierFlags(flags),
    seed,
  });
  const log = console.log;
  let port = 0;
  console.log = (text: string) => port = Number(/listening on \[::\]:(\d+)/.exec(text)?.[1] ?? 0);
  try {
    assert.equal(await host.start(), STATUS_SUCCESS);
  } finally {
    console.log = log;
  }
  assert.ok(port > 0);
  return { host, port };
}

/** One client: sends `size` numbered bytes, half-closes, and returns what came back. */
export async function echo(port: number, size: number): Promise<Uint8Array> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const sent = new Uint8Array(size).map((_, i) => i * 7 + (i >> 8));
  const writing = (async () => {
    await writeAll(conn, sent);
    await conn.closeWrite();
  })();
  const back = await readAll(conn);
  await writing;
  conn.close();
  assert.equal(back.length, size, "every byte comes back, and no more");
  assert.deepEqual(back, sent, "in order and unchanged");
  return back;
}
