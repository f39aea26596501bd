// Copyright 2026 the wskemu authors. MIT license.
import assert from "node:assert/strict";
import {
  BugCheckError,
  DISPATCH_LEVEL,
  IoAllocateIrp,
  IoFreeIrp,
  IoSetCompletionRoutine,
  IoSetNextIrpStackLocation,
  IPPROTO_TCP,
  type IRP,
  KeGetCurrentIrql,
  MAKE_WSK_VERSION,
  nextBugCheck,
  SIO_WSK_REGISTER_EXTENSION,
  sizeofWskTransport,
  SO_EXCLUSIVEADDRUSE,
  SO_KEEPALIVE,
  SO_RCVBUF,
  SO_REUSEADDR,
  SO_SNDBUF,
  SOCK_STREAM,
  SOL_SOCKET,
  STATUS_CANCELLED,
  STATUS_DEVICE_NOT_READY,
  STATUS_INVALID_DEVICE_REQUEST,
  STATUS_INVALID_DEVICE_STATE,
  STATUS_INVALID_PARAMETER,
  STATUS_NOINTERFACE,
  STATUS_NOT_IMPLEMENTED,
  STATUS_NOT_SUPPORTED,
  STATUS_PENDING,
  STATUS_SUCCESS,
  TCP_NODELAY,
  WSK_EVENT_RECEIVE,
  WSK_NO_WAIT,
  WSK_PROVIDER_NPI,
  WSK_REGISTRATION,
  type WSK_TRANSPORT,
  WSK_TRANSPORT_LIST_CHANGE,
  WSK_TRANSPORT_LIST_QUERY,
  WskCaptureProviderNPI,
  WskDeregister,
  WskGetOption,
  WskIoctl,
  WskQueryProviderCharacteristics,
  WskRegister,
  WskReleaseProviderNPI,
  WskSetOption,
} from "../../mod.ts";
import { addr, call, connDispatch, start, TestClient } from "../_wsk.ts";
import { expectBugCheck } from "../irp/_bugcheck.ts";
import { within } from "../reliability/_fuzz.ts";

const v1 = { Version: MAKE_WSK_VERSION(1, 0), Reserved: 0, WskClientEvent: null };

Deno.test("WskDeregister() settles only once every NPI is released and every socket is closed", async () => {
  const client = new TestClient();
  const Socket = await client.socket();
  WskReleaseProviderNPI(client.registration);
  let settled = false;
  const deregistered = WskDeregister(client.registration).then(() => settled = true);
  // Deregistration has started: no new capture.
  assert.equal(
    WskCaptureProviderNPI(client.registration, WSK_NO_WAIT, new WSK_PROVIDER_NPI()),
    STATUS_DEVICE_NOT_READY,
  );
  await call((Irp) => connDispatch(Socket).WskGetLocalAddress(Socket, {}, Irp));
  assert.equal(settled, false, "a socket is still open");
  await client.closeSocket(Socket);
  await deregistered;
  assert.equal(settled, true);
});

Deno.test("the captured provider dispatch table is WSK 1.0", async () => {
  const client = new TestClient();
  assert.equal(client.npi.Dispatch!.Version, MAKE_WSK_VERSION(1, 0));
  await client.close();
});

Deno.test("WskCaptureProviderNPI() refuses a client asking for WSK 2.0 with STATUS_NOINTERFACE", async () => {
  const reg = new WSK_REGISTRATION();
  WskRegister({ ClientContext: null, Dispatch: { ...v1, Version: MAKE_WSK_VERSION(2, 0) } }, reg);
  assert.equal(WskCaptureProviderNPI(reg, WSK_NO_WAIT, new WSK_PROVIDER_NPI()), STATUS_NOINTERFACE);
  await WskDeregister(reg);
});

Deno.test("WskControlSocket() sets and gets options, recording what the transport cannot apply", async () => {
  const client = new TestClient();
  const Socket = await client.socket();
  const d = connDispatch(Socket);
  const set = (level: number, code: number, value: number) =>
    call((Irp) =>
      d.WskControlSocket(Socket, WskSetOption, code, level, 4, { value }, 0, null, null, Irp)
    );
  const get = async (level: number, code: number) => {
    const out = new Uint8Array(4);
    const c = await call((Irp) =>
      d.WskControlSocket(Socket, WskGetOption, code, level, 0, null, 4, out, null, Irp)
    );
    assert.deepEqual([c.Status, c.Information], [STATUS_SUCCESS, 4]);
    return new DataView(out.buffer).getUint32(0, true);
  };
  const options = [
    [SOL_SOCKET, SO_KEEPALIVE, 1],
    [IPPROTO_TCP, TCP_NODELAY, 1],
    [SOL_SOCKET, SO_RCVBUF, 131072],
    [SOL_SOCKET, SO_SNDBUF, 32768],
    [SOL_SOCKET, SO_EXCLUSIVEADDRUSE, 1],
  ];
  for (const [level, code, value] of options) {
    assert.equal((await set(level!, code!, value!)).Status, STATUS_SUCCESS);
    assert.equal(await get(level!, code!), value);
  }
  assert.equal(
    (await set(SOL_SOCKET, 0x7777, 1)).Status,
    STATUS_INVALID_PARAMETER,
    "unknown option",
  );
  assert.equal(
    d.WskControlSocket(
      Socket,
      WskSetOption,
      SO_KEEPALIVE,
      SOL_SOCKET,
      4,
      { value: 1 },
      0,
      null,
      null,
      null,
    ),
    STATUS_INVALID_PARAMETER,
    "options need an IRP",
  );
  const unknown = await call((Irp) =>
    d.WskControlSocket(Socket, WskIoctl, 0x12345678, 0, 0, null, 0, null, null, Irp)
  );
  assert.equal(unknown.Status, STATUS_INVALID_DEVICE_REQUEST);
  assert.equal(
    d.WskControlSocket(Socket, WskIoctl, SIO_WSK_REGISTER_EXTENSION, 0, 0, {}, 0, {}, null, null),
    STATUS_NOT_SUPPORTED,
  );
  // SO_REUSEADDR must come before bind.
  await call((Irp) => d.WskBind(Socket, addr("127.0.0.1", 0), 0, Irp));
  assert.equal((await set(SOL_SOCKET, SO_REUSEADDR, 1)).Status, STATUS_INVALID_DEVICE_STATE);
  await client.closeSocket(Socket);
  await client.close();
});

Deno.test("WskControlClient(): static callbacks only before any socket; the transport list; list-change IRPs", async () => {
  const client = new TestClient();
  const d = client.npi.Dispatch!;
  const transports: WSK_TRANSPORT[] = [];
  const size = { value: 0 };
  assert.equal(
    d.WskControlClient(
      client.npi.Client,
      WSK_TRANSPORT_LIST_QUERY,
      0,
      null,
      8 * sizeofWskTransport,
      transports,
      size,
      null,
    ),
    STATUS_SUCCESS,
  );
  assert.equal(size.value, 4 * sizeofWskTransport);
  assert.deepEqual(transports.map((t) => t.AddressFamily + "/" + t.Protocol).sort(), [
    "2/17",
    "2/6",
    "23/17",
    "23/6",
  ]);
  const change = start((Irp) =>
    d.WskControlClient(client.npi.Client, WSK_TRANSPORT_LIST_CHANGE, 0, null, 0, null, null, Irp)
  );
  assert.equal(change.returned, STATUS_PENDING);
  assert.equal(
    client.setStaticEvents(WSK_EVENT_RECEIVE),
    STATUS_SUCCESS,
  );
  const Socket = await client.socket();
  assert.equal(
    client.setStaticEvents(WSK_EVENT_RECEIVE),
    STATUS_INVALID_DEVICE_STATE,
  );
  await client.closeSocket(Socket);
  await client.close();
  assert.equal(
    (await change.done).Status,
    STATUS_CANCELLED,
    "deregistration cancels the list-change IRP",
  );
});

Deno.test("completion routines run at DISPATCH_LEVEL from the queue, never inside the WSK call", async () => {
  const client = new TestClient();
  const Irp = IoAllocateIrp(1, false)!;
  let irql = -1, inside = true;
  let done!: () => void;
  const completed = new Promise<void>((r) => done = r);
  IoSetCompletionRoutine(
    Irp,
    (_d, CompletedIrp) => {
      assert.equal(inside, false);
      irql = KeGetCurrentIrql();
      client.closeSocket(CompletedIrp.IoStatus.Information as never).then(done);
      return 0xC0000016;
    },
    null,
    true,
    true,
    true,
  );
  client.connectionSocketCall(Irp);
  inside = false;
  await completed;
  assert.equal(irql, DISPATCH_LEVEL);
  await client.close();
});

Deno.test("a completion routine that forgets STATUS_MORE_PROCESSING_REQUIRED is reported as a bug check", async () => {
  const client = new TestClient();
  const Irp = IoAllocateIrp(1, false)!;
  let socket: unknown;
  IoSetCompletionRoutine(
    Irp,
    (_d, CompletedIrp) => {
      socket = CompletedIrp.IoStatus.Information;
      return STATUS_SUCCESS; // wrong for an IoAllocateIrp IRP
    },
    null,
    true,
    true,
    true,
  );
  const reported = nextBugCheck();
  client.connectionSocketCall(Irp);
  const error = await reported;
  assert.ok(error instanceof BugCheckError);
  assert.equal(error.BugCheckCode, 0xD1);
  await client.closeSocket(socket as never);
  await client.close();
});

Deno.test("reserved dispatch slots complete their IRP with STATUS_NOT_IMPLEMENTED", async () => {
  const client = new TestClient();
  const Socket = await client.socket();
  const c = await call((Irp) => connDispatch(Socket).WskSendEx(Socket, null, 0, Irp));
  assert.equal(c.Status, STATUS_NOT_IMPLEMENTED);
  await client.closeSocket(Socket);
  await client.close();
});

const clientNpi = { ClientContext: null, Dispatch: v1 };

Deno.test("WskRegister() refuses a NULL or dispatch-less NPI and bug checks 0x1E on a block it cannot write", async () => {
  assert.equal(WskRegister(null, new WSK_REGISTRATION()), STATUS_INVALID_PARAMETER);
  assert.equal(WskRegister("npi" as never, new WSK_REGISTRATION()), STATUS_INVALID_PARAMETER);
  assert.equal(WskRegister(clientNpi, null), STATUS_INVALID_PARAMETER);
  expectBugCheck(() => WskRegister(clientNpi, "block" as never), 0x1E);
  const frozen = Object.freeze(new WSK_REGISTRATION());
  expectBugCheck(() => WskRegister(clientNpi, frozen), 0x1E);
  // Nothing was registered on it.
  assert.equal(
    WskCaptureProviderNPI(frozen, WSK_NO_WAIT, new WSK_PROVIDER_NPI()),
    STATUS_INVALID_PARAMETER,
  );
  await within(WskDeregister(frozen), 1000, "WskDeregister of a block never registered");
});

Deno.test("WskCaptureProviderNPI() into an NPI it cannot write bug checks 0x1E and counts no capture", async () => {
  const reg = new WSK_REGISTRATION();
  assert.equal(WskRegister(clientNpi, reg), STATUS_SUCCESS);
  expectBugCheck(() => WskCaptureProviderNPI(reg, WSK_NO_WAIT, "npi" as never), 0x1E);
  expectBugCheck(
    () => WskCaptureProviderNPI(reg, WSK_NO_WAIT, Object.freeze(new WSK_PROVIDER_NPI())),
    0x1E,
  );
  await within(WskDeregister(reg), 1000, "WskDeregister after a faulted capture");
});

Deno.test("WskQueryProviderCharacteristics() into an output it cannot write bug checks 0x1E", async () => {
  const reg = new WSK_REGISTRATION();
  WskRegister(clientNpi, reg);
  expectBugCheck(() => WskQueryProviderCharacteristics(reg, 5 as never), 0x1E);
  expectBugCheck(() => WskQueryProviderCharacteristics(reg, Object.freeze({}) as never), 0x1E);
  assert.equal(
    WskQueryProviderCharacteristics("reg" as never, {} as never),
    STATUS_INVALID_PARAMETER,
  );
  WskReleaseProviderNPI("reg" as never);
  await within(WskDeregister(reg), 1000, "WskDeregister");
  await within(WskDeregister("reg" as never), 1000, "WskDeregister of garbage");
});

Deno.test("once WskDeregister returned, the client's calls complete STATUS_DEVICE_NOT_READY and the block can register again", async () => {
  const client = new TestClient();
  const { npi, registration } = client;
  await client.close();
  const c = await call((Irp) => client.connectionSocketCall(Irp));
  assert.equal(c.Status, STATUS_DEVICE_NOT_READY);
  assert.equal(
    npi.Dispatch!.WskControlClient(
      npi.Client,
      WSK_TRANSPORT_LIST_QUERY,
      0,
      null,
      0,
      null,
      null,
      null,
    ),
    STATUS_DEVICE_NOT_READY,
  );
  assert.equal(
    WskCaptureProviderNPI(registration, WSK_NO_WAIT, new WSK_PROVIDER_NPI()),
    STATUS_DEVICE_NOT_READY,
  );
  assert.equal(WskRegister(clientNpi, registration), STATUS_SUCCESS);
  const again = new WSK_PROVIDER_NPI();
  assert.equal(WskCaptureProviderNPI(registration, WSK_NO_WAIT, again), STATUS_SUCCESS);
  WskReleaseProviderNPI(registration);
  await within(WskDeregister(registration), 1000, "the second WskDeregister");
});

const unusableIrps: [string, number, () => IRP][] = [
  ["with no stack location", 0x35, () => IoAllocateIrp(0, false)!],
  ["still in flight", 0x35, () => {
    const Irp = IoAllocateIrp(1, false)!;
    IoSetNextIrpStackLocation(Irp);
    return Irp;
  }],
  ["already freed", 0xC9, () => {
    const Irp = IoAllocateIrp(1, false)!;
    IoFreeIrp(Irp);
    return Irp;
  }],
];

for (const [what, code, unusable] of unusableIrps) {
  Deno.test(`WskSocket and WskSocketConnect on an IRP ${what} bug check before creating a socket`, async () => {
    const client = new TestClient();
    expectBugCheck(() => client.connectionSocketCall(unusable()), code);
    const { Dispatch, Client } = client.npi;
    const local = addr("127.0.0.1", 0), remote = addr("127.0.0.1", 9);
    expectBugCheck(
      () =>
        Dispatch!.WskSocketConnect(
          Client,
          SOCK_STREAM,
          IPPROTO_TCP,
          local,
          remote,
          0,
          null,
          null,
          null,
          null,
          null,
          unusable(),
        ),
      code,
    );
    await within(client.close(), 1000, "WskDeregister");
  });
}

Deno.test("the flattened Basic functions are the embedded ones", async () => {
  const client = new TestClient();
  const Socket = await client.socket();
  const d = connDispatch(Socket);
  assert.equal(d.WskCloseSocket, d.Basic.WskCloseSocket);
  assert.equal(d.WskControlSocket, d.Basic.WskControlSocket);
  await client.closeSocket(Socket);
  await client.close();
});
