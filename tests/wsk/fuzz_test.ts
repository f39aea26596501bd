// Copyright 2026 the wskemu authors. MIT license.
// Garbage in every argument of every dispatch function of every socket
// category: a WSK call returns a status or raises a bug check (what a bad
// pointer does to Windows), never another exception, and every IRP it accepts
// completes exactly once.
import assert from "node:assert/strict";
import {
  AF_INET,
  AF_INET6,
  BugCheckError,
  IoAllocateIrp,
  IoFreeIrp,
  IoSetCompletionRoutine,
  IPPROTO_TCP,
  IPPROTO_UDP,
  type IRP,
  SOCK_DGRAM,
  SOCK_STREAM,
  STATUS_INVALID_PARAMETER,
  STATUS_MORE_PROCESSING_REQUIRED,
  WSK_FLAG_BASIC_SOCKET,
  WSK_FLAG_CONNECTION_SOCKET,
  WSK_FLAG_DATAGRAM_SOCKET,
  WSK_FLAG_LISTEN_SOCKET,
  WSK_FLAG_STREAM_SOCKET,
  type WSK_PROVIDER_BASIC_DISPATCH,
  type WSK_PROVIDER_CONNECTION_DISPATCH,
  type WSK_SOCKET,
} from "../../mod.ts";
import { randomBytes, TestClient } from "../_wsk.ts";

const GARBAGE: unknown[] = [
  null,
  undefined,
  0,
  -1,
  0xffffffff,
  2 ** 40,
  NaN,
  "x",
  {},
  [],
  { value: 1 },
  new Uint8Array(0),
  new Uint8Array(3),
  { Mdl: null, Offset: 5, Length: 7 },
  { sin_family: 2 },
  () => 0,
];

/** Tracks the IRPs given out and how often each completed. */
class IrpLedger {
  readonly completions = new Map<IRP, number>();

  irp(): IRP {
    const Irp = IoAllocateIrp(1, false)!;
    this.completions.set(Irp, 0);
    IoSetCompletionRoutine(
      Irp,
      (_d, Done) => {
        this.completions.set(Done, (this.completions.get(Done) ?? 0) + 1);
        return STATUS_MORE_PROCESSING_REQUIRED;
      },
      null,
      true,
      true,
      true,
    );
    return Irp;
  }
}

const CATEGORIES: [string, number, number, number, number][] = [
  ["basic", AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_BASIC_SOCKET],
  ["listen", AF_INET6, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_LISTEN_SOCKET],
  ["connection", AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET],
  ["datagram", AF_INET, SOCK_DGRAM, IPPROTO_UDP, WSK_FLAG_DATAGRAM_SOCKET],
  ["stream", AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_STREAM_SOCKET],
];

for (const [category, family, type, protocol, flags] of CATEGORIES) {
  Deno.test(`${category} sockets: garbage arguments give a status or a bug check, and IRPs complete once`, async () => {
    const client = new TestClient();
    const Socket = await client.socket(family, flags, type, protocol);
    const Dispatch = Socket.Dispatch as Record<string, unknown>;
    const ledger = new IrpLedger();
    const pick = randomBytes(4096, family * 31 + flags);
    let p = 0;
    const next = () => GARBAGE[pick[p++ % pick.length]! % GARBAGE.length];
    const outcomes = new Set<string>();
    for (const [name, fn] of Object.entries(Dispatch)) {
      if (typeof fn !== "function" || name === "WskCloseSocket") continue;
      for (let round = 0; round < 12; round++) {
        const args = Array.from({ length: fn.length }, next);
        args[0] = round % 4 === 0 ? next() : Socket; // mostly a real socket
        const takesIrp = fn.length > 2 && name !== "WskRelease";
        const Irp = takesIrp && round % 5 !== 0 ? ledger.irp() : null;
        if (takesIrp) args[fn.length - 1] = Irp;
        try {
          const status: unknown = (fn as (...a: unknown[]) => unknown)(...args);
          assert.equal(typeof status, "number", `${name} returns an NTSTATUS`);
          if (takesIrp && Irp === null) assert.equal(status, STATUS_INVALID_PARAMETER);
          outcomes.add("status");
        } catch (error) {
          assert.ok(error instanceof BugCheckError, `${name} threw ${error}`);
          outcomes.add("bug check");
        }
      }
    }
    const close = ledger.irp();
    (Socket.Dispatch as WSK_PROVIDER_BASIC_DISPATCH).WskCloseSocket(Socket, close);
    await new Promise<void>((resolve) => {
      const check = () => ledger.completions.get(close) ? resolve() : setTimeout(check, 1);
      check();
    });
    for (const [Irp, count] of ledger.completions) {
      // An IRP is either untouched (the call refused it or bug checked before taking it) or completed once.
      const untouched = Irp.CurrentLocation === Irp.StackCount + 1 && count === 0;
      assert.ok(untouched || count === 1, `an IRP completed ${count} times`);
      if (count === 1 || untouched) IoFreeIrp(Irp);
    }
    assert.ok(outcomes.has("status"));
    await client.close();
  });
}

Deno.test("the flattened Basic functions are the embedded ones", async () => {
  const client = new TestClient();
  const Socket: WSK_SOCKET = await client.socket();
  const d = Socket.Dispatch as WSK_PROVIDER_CONNECTION_DISPATCH;
  assert.equal(d.WskCloseSocket, d.Basic.WskCloseSocket);
  assert.equal(d.WskControlSocket, d.Basic.WskControlSocket);
  await client.closeSocket(Socket);
  await client.close();
});

Deno.test("client-level functions: garbage arguments give a status or a bug check, and IRPs complete once", async () => {
  const client = new TestClient();
  const ledger = new IrpLedger();
  const pick = randomBytes(4096, 99);
  let p = 0;
  const next = () => GARBAGE[pick[p++ % pick.length]! % GARBAGE.length];
  const Dispatch = client.npi.Dispatch as unknown as Record<string, unknown>;
  const pending: Promise<void>[] = [];
  // WskSocket and WskSocketConnect could create sockets; their refusals are covered elsewhere.
  for (
    const name of ["WskControlClient", "WskGetAddressInfo", "WskGetNameInfo", "WskFreeAddressInfo"]
  ) {
    const fn = Dispatch[name] as (...a: unknown[]) => unknown;
    for (let round = 0; round < 20; round++) {
      const args = Array.from({ length: fn.length }, next);
      args[0] = round % 4 === 0 ? next() : client.npi.Client;
      const takesIrp = name !== "WskFreeAddressInfo";
      const Irp = takesIrp && round % 5 !== 0 ? ledger.irp() : null;
      if (takesIrp) args[fn.length - 1] = Irp;
      try {
        const status = fn(...args);
        if (takesIrp) assert.equal(typeof status, "number", `${name} returns an NTSTATUS`);
      } catch (error) {
        assert.ok(error instanceof BugCheckError, `${name} threw ${error}`);
      }
      if (Irp) {
        pending.push(
          new Promise<void>((resolve) => {
            // Lookups finish on the resolver's time; anything still untouched after the call never will.
            const check = () =>
              ledger.completions.get(Irp) || Irp.CurrentLocation === Irp.StackCount + 1
                ? resolve()
                : setTimeout(check, 1);
            check();
          }),
        );
      }
    }
  }
  await Promise.all(pending);
  for (const [Irp, count] of ledger.completions) {
    const untouched = Irp.CurrentLocation === Irp.StackCount + 1 && count === 0;
    assert.ok(untouched || count === 1, `an IRP completed ${count} times`);
    IoFreeIrp(Irp);
  }
  await client.close();
});
