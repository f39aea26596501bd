// Copyright 2026 the wskemu authors. MIT license.
// What the seeded API fuzzer found, each pinned as a plain test: a bad MDL is
// a bug check at the call (never a spinning receive), garbage in an output
// written after the call returns is a bug check with the IRP still completed
// and nothing orphaned, the registration functions are guarded, and a
// socket-creating call checks its IRP before it creates anything.
import assert from "node:assert/strict";
import {
  BugCheckError,
  IoAllocateMdl,
  IoFreeMdl,
  type MDL,
  STATUS_SUCCESS,
  type WSK_BUF,
} from "../../mod.ts";
import { call, start, withConnection, writeAll } from "../_wsk.ts";

/** Runs `action`, expecting it to throw a BugCheckError with `code`. */
function expectBugCheck(action: () => unknown, code: number): BugCheckError {
  let caught: unknown = null;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof BugCheckError, `expected a bug check, got ${caught}`);
  assert.equal(caught.BugCheckCode, code, caught.message);
  return caught;
}

/** The three ways to make an MDL that claims more bytes than its memory holds. */
const shortMdls: [string, () => MDL][] = [
  ["ByteCount raised after IoAllocateMdl", () => {
    const Mdl = IoAllocateMdl(new Uint8Array(4), 4, false, false, null)!;
    Mdl.ByteCount = 64;
    return Mdl;
  }],
  [
    "a forged MDL without ByteCount",
    () => ({ StartVa: new Uint8Array(64), Next: null }) as unknown as MDL,
  ],
  [
    "a forged MDL over a Uint16Array counting bytes past it",
    () => ({ StartVa: new Uint16Array(8), ByteCount: 64, Next: null }) as unknown as MDL,
  ],
];

for (const [how, make] of shortMdls) {
  Deno.test(`WskReceive over ${how}, with data buffered, bug checks 0x50 at the call`, () =>
    withConnection(async ({ Socket, d, peer }) => {
      await writeAll(peer, new Uint8Array(10).fill(7));
      // A zero-length receive completes once the bytes are buffered.
      await call((Irp) => d.WskReceive(Socket, { Mdl: null, Offset: 0, Length: 0 }, 0, Irp));
      const Mdl = make();
      const Buffer: WSK_BUF = { Mdl, Offset: 0, Length: 64 };
      const bad = start((Irp) => {
        expectBugCheck(() => d.WskReceive(Socket, Buffer, 0, Irp), 0x50);
        return 0;
      });
      assert.equal(bad.Irp.CurrentLocation, bad.Irp.StackCount + 1, "the IRP was not taken");
      // The socket is intact: the buffered bytes go to the next good receive.
      const bytes = new Uint8Array(16);
      const Good = IoAllocateMdl(bytes, 16, false, false, null)!;
      const c = await call((Irp) =>
        d.WskReceive(Socket, { Mdl: Good, Offset: 0, Length: 16 }, 0, Irp)
      );
      assert.equal(c.Status, STATUS_SUCCESS);
      assert.equal(c.Information, 10);
      IoFreeMdl(Good);
      if (Mdl.MdlFlags) IoFreeMdl(Mdl);
    }));
}

Deno.test("WskSend and WskReceive over an MDL on a Uint16Array move its bytes", () =>
  withConnection(async ({ Socket, d, peer }) => {
    const words = new Uint16Array([0x0201, 0x0403]);
    const Mdl = IoAllocateMdl(words as unknown as Uint8Array, 4, false, false, null)!;
    const sent = await call((Irp) => d.WskSend(Socket, { Mdl, Offset: 0, Length: 4 }, 0, Irp));
    assert.equal(sent.Information, 4);
    const got = new Uint8Array(4);
    let at = 0;
    while (at < 4) at += (await peer.read(got.subarray(at)))!;
    assert.deepEqual([...got], [1, 2, 3, 4]);
    await writeAll(peer, new Uint8Array([9, 8, 7, 6]));
    const received = await call((Irp) =>
      d.WskReceive(Socket, { Mdl, Offset: 0, Length: 4 }, 0x2, /* WSK_FLAG_WAITALL */ Irp)
    );
    assert.equal(received.Information, 4);
    assert.deepEqual([...new Uint8Array(words.buffer)], [9, 8, 7, 6]);
    IoFreeMdl(Mdl);
  }));
