// Copyright 2026 the wskemu authors. MIT license.
// What the seeded API fuzzer found, each pinned as a plain test: a bad MDL is
// a bug check at the call (never a spinning receive), garbage in an output
// written after the call returns is a bug check with the IRP still completed
// and nothing orphaned, the registration functions are guarded, and a
// socket-creating call checks its IRP before it creates anything.
import assert from "node:assert/strict";
import {
  IoAllocateIrp,
  IoAllocateMdl,
  IoCancelIrp,
  IoFreeIrp,
  IoFreeMdl,
  type IRP,
  type MDL,
  nextBugCheck,
  NI_NUMERICHOST,
  NI_NUMERICSERV,
  NS_ALL,
  type NTSTATUS,
  outstandingAddressInfo,
  RtlInitUnicodeString,
  type SOCKADDR,
  STATUS_ACCESS_VIOLATION,
  STATUS_CANCELLED,
  STATUS_PENDING,
  STATUS_SUCCESS,
  type WSK_BUF,
  type WSK_BUF_LIST,
  WSK_EVENT_ACCEPT,
  type WSK_PROVIDER_DATAGRAM_DISPATCH,
  type WSK_SOCKET,
} from "../../mod.ts";
import {
  addr,
  call,
  enableEvents,
  listening,
  start,
  TestClient,
  withConnection,
  writeAll,
} from "../_wsk.ts";
import { expectBugCheck } from "../irp/_bugcheck.ts";
import { within } from "./_fuzz.ts";

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

/** Garbage where an output structure belongs: a primitive, or an object that cannot be written. */
const unwritable: [string, () => unknown][] = [
  ["a string", () => "sockaddr"],
  ["a frozen object", () => Object.freeze({})],
];

for (const [what, garbage] of unwritable) {
  Deno.test(`WskAccept with ${what} as RemoteAddress: a bug check when the connection arrives, the IRP completed, the socket closed`, async () => {
    const client = new TestClient();
    const { Socket, d, port } = await listening(client);
    const reported = nextBugCheck();
    const accept = start((Irp) =>
      d.WskAccept(Socket, 0, null, null, null, garbage() as never, Irp)
    );
    assert.equal(accept.returned, STATUS_PENDING);
    // The peer sees the reset: at once (gVisor may fail the connect itself), or on its first read.
    const peer = Deno.connect({ hostname: "127.0.0.1", port }).catch(() => null);
    const error = await within(reported, 5000, "the bug check");
    assert.equal(error.BugCheckCode, 0x1E);
    assert.match(error.message, /WskAccept/);
    const c = await within(accept.done, 5000, "the WskAccept completion");
    assert.equal(c.Status, STATUS_ACCESS_VIOLATION);
    // The accepted socket was closed, not orphaned: the peer sees the end, and deregistration returns.
    const conn = await peer;
    assert.equal(await conn?.read(new Uint8Array(1)).catch(() => null) ?? null, null);
    conn?.close();
    await client.closeSocket(Socket);
    await within(client.close(), 5000, "WskDeregister");
  });

  Deno.test(`WskReceiveFrom with ${what} as RemoteAddress or ControlLength: a bug check when the datagram arrives, the IRP completed`, async () => {
    const client = new TestClient();
    const Socket = await client.boundDatagram();
    const d = Socket.Dispatch as WSK_PROVIDER_DATAGRAM_DISPATCH;
    const self: SOCKADDR = {};
    await call((Irp) => d.WskGetLocalAddress(Socket, self, Irp));
    for (const slot of ["RemoteAddress", "ControlLength"]) {
      const reported = nextBugCheck();
      const bytes = new Uint8Array(8);
      const Mdl = IoAllocateMdl(bytes, 8, false, false, null)!;
      const out = { RemoteAddress: {}, ControlLength: { value: 0 }, [slot]: garbage() };
      const receive = start((Irp) =>
        d.WskReceiveFrom(
          Socket,
          { Mdl, Offset: 0, Length: 8 },
          0,
          out.RemoteAddress as never,
          out.ControlLength as never,
          null,
          null,
          Irp,
        )
      );
      const Sent = IoAllocateMdl(new Uint8Array([1, 2, 3]), 3, false, false, null)!;
      await call((Irp) =>
        d.WskSendTo(Socket, { Mdl: Sent, Offset: 0, Length: 3 }, 0, self, 0, null, Irp)
      );
      assert.equal((await within(reported, 5000, "the bug check")).BugCheckCode, 0x1E);
      assert.equal(
        (await within(receive.done, 5000, "WskReceiveFrom")).Status,
        STATUS_ACCESS_VIOLATION,
      );
      IoFreeMdl(Mdl);
      IoFreeMdl(Sent);
    }
    await client.closeSocket(Socket);
    await within(client.close(), 5000, "WskDeregister");
  });

  Deno.test(`WskGetAddressInfo with ${what} as Result: a bug check when the answer arrives, the IRP completed, nothing held`, async () => {
    const client = new TestClient();
    const { Dispatch, Client } = client.npi;
    const node = { Length: 0, MaximumLength: 0, Buffer: "" };
    RtlInitUnicodeString(node, "127.0.0.1");
    const reported = nextBugCheck();
    const lookup = start((Irp) =>
      Dispatch!.WskGetAddressInfo(
        Client,
        node,
        null,
        NS_ALL,
        null,
        null,
        garbage() as never,
        null,
        null,
        Irp,
      )
    );
    // A primitive is refused at the call; an object is written only when the answer comes.
    if (lookup.returned === STATUS_PENDING && typeof garbage() === "object") {
      assert.equal((await within(reported, 5000, "the bug check")).BugCheckCode, 0x1E);
    }
    const c = await within(lookup.done, 5000, "WskGetAddressInfo");
    assert.notEqual(c.Status, STATUS_SUCCESS);
    assert.equal(outstandingAddressInfo(Client), 0);
    await within(client.close(), 5000, "WskDeregister");
  });
}

Deno.test("WskGetNameInfo into a NodeName it cannot write: a bug check when the answer arrives, the IRP completed", async () => {
  const client = new TestClient();
  const { Dispatch, Client } = client.npi;
  const NodeName = Object.freeze({ Length: 0, MaximumLength: 512, Buffer: "" });
  const reported = nextBugCheck();
  const lookup = start((Irp) =>
    Dispatch!.WskGetNameInfo(
      Client,
      addr("127.0.0.1", 80),
      16,
      NodeName,
      null,
      NI_NUMERICHOST | NI_NUMERICSERV,
      null,
      null,
      Irp,
    )
  );
  assert.equal(lookup.returned, STATUS_PENDING);
  assert.equal((await within(reported, 5000, "the bug check")).BugCheckCode, 0x1E);
  assert.equal((await within(lookup.done, 5000, "WskGetNameInfo")).Status, STATUS_ACCESS_VIOLATION);
  await within(client.close(), 5000, "WskDeregister");
});

/** Starts a call on an IRP that IoCancelIrp already cancelled (before the call reached the provider). */
function startCancelled(issue: (Irp: IRP) => NTSTATUS) {
  return start((Irp) => {
    IoCancelIrp(Irp);
    return issue(Irp);
  });
}

Deno.test("a WskAccept on an IRP cancelled before the call completes STATUS_CANCELLED and takes no connection", async () => {
  const client = new TestClient();
  const { Socket, d, port } = await listening(client);
  const cancelled = startCancelled((Irp) => d.WskAccept(Socket, 0, null, null, null, null, Irp));
  assert.equal((await cancelled.done).Status, STATUS_CANCELLED);
  const accept = start((Irp) => d.WskAccept(Socket, 0, null, null, null, null, Irp));
  const peer = await Deno.connect({ hostname: "127.0.0.1", port });
  const c = await within(accept.done, 5000, "the next WskAccept");
  assert.equal(c.Status, STATUS_SUCCESS);
  peer.close();
  await client.closeSocket(c.Information as WSK_SOCKET);
  await client.closeSocket(Socket);
  await within(client.close(), 5000, "WskDeregister");
});

Deno.test("a WskReceive on an IRP cancelled before the call takes none of the bytes that arrive", () =>
  withConnection(async ({ Socket, d, peer }) => {
    const lost = new Uint8Array(4);
    const LostMdl = IoAllocateMdl(lost, 4, false, false, null)!;
    const cancelled = startCancelled((Irp) =>
      d.WskReceive(Socket, { Mdl: LostMdl, Offset: 0, Length: 4 }, 0, Irp)
    );
    await writeAll(peer, new Uint8Array([1, 2, 3, 4]));
    assert.equal((await cancelled.done).Status, STATUS_CANCELLED);
    const bytes = new Uint8Array(4);
    const Mdl = IoAllocateMdl(bytes, 4, false, false, null)!;
    const c = await call((Irp) => d.WskReceive(Socket, { Mdl, Offset: 0, Length: 4 }, 0x2, Irp));
    assert.deepEqual([...bytes], [1, 2, 3, 4]);
    assert.equal(c.Information, 4);
    IoFreeMdl(LostMdl);
    IoFreeMdl(Mdl);
  }));

Deno.test("a WskAcceptEvent that crashes leaves no socket behind: the bug check is raised and WskDeregister returns", async () => {
  const client = new TestClient();
  const events = {
    WskAcceptEvent: () => {
      throw new Error("the driver's accept callback crashes");
    },
    WskInspectEvent: null,
    WskAbortEvent: null,
  };
  const { Socket, port } = await listening(client, "127.0.0.1", [], null, events);
  assert.equal(enableEvents(Socket, WSK_EVENT_ACCEPT), STATUS_SUCCESS);
  const reported = nextBugCheck();
  const peer = Deno.connect({ hostname: "127.0.0.1", port }).catch(() => null);
  assert.equal((await within(reported, 5000, "the bug check")).BugCheckCode, 0x1E);
  (await peer)?.close();
  await client.closeSocket(Socket);
  await within(client.close(), 5000, "WskDeregister");
});

Deno.test("WskSendMessages over a WSK_BUF_LIST that loops bug checks 0x133 at the call, without blocking", async () => {
  const client = new TestClient();
  const Socket = await client.boundDatagram();
  const d = Socket.Dispatch as WSK_PROVIDER_DATAGRAM_DISPATCH;
  const Mdl = IoAllocateMdl(new Uint8Array(1), 1, false, false, null)!;
  const head: WSK_BUF_LIST = { Next: null, Buffer: { Mdl, Offset: 0, Length: 1 } };
  head.Next = { Next: head, Buffer: head.Buffer };
  const send = start((Irp) => {
    expectBugCheck(
      () => d.WskSendMessages(Socket, head, 0, addr("127.0.0.1", 9), 0, null, Irp),
      0x133,
    );
    return 0;
  });
  assert.equal(send.Irp.CurrentLocation, send.Irp.StackCount + 1, "the IRP was not taken");
  IoFreeMdl(Mdl);
  await client.closeSocket(Socket);
  await within(client.close(), 5000, "WskDeregister");
});

Deno.test("a reserved slot (WskSendEx) given a freed IRP bug checks 0xC9 at the call instead of completing it", () =>
  withConnection(({ Socket, d }) => {
    const Irp = IoAllocateIrp(1, false)!;
    IoFreeIrp(Irp);
    const error = expectBugCheck(() => d.WskSendEx(Socket, null, 0, Irp), 0xC9);
    assert.equal(error.BugCheckParameters[0], 0x03);
    return Promise.resolve();
  }));
