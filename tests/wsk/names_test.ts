// Copyright 2026 the wskemu authors. MIT license.
import assert from "node:assert/strict";
import {
  type ADDRINFOEXW,
  AF_INET,
  AF_INET6,
  AI_CANONNAME,
  AI_NUMERICHOST,
  AI_PASSIVE,
  AI_V4MAPPED,
  BugCheckError,
  IoAllocateIrp,
  IoCancelIrp,
  IoFreeIrp,
  IPPROTO_TCP,
  IPPROTO_UDP,
  NI_DGRAM,
  NI_MAXHOST,
  NI_MAXSERV,
  NI_NAMEREQD,
  NI_NUMERICHOST,
  NI_NUMERICSERV,
  NS_ALL,
  NS_DNS,
  ntohs,
  outstandingAddressInfo,
  RtlInitUnicodeString,
  SOCK_DGRAM,
  SOCK_STREAM,
  type SOCKADDR,
  sockaddr,
  type SOCKADDR_IN,
  type SOCKADDR_IN6,
  sockaddrToString,
  STATUS_BUFFER_TOO_SMALL,
  STATUS_CANCELLED,
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_PARAMETER,
  STATUS_NOT_FOUND,
  STATUS_NOT_SUPPORTED,
  STATUS_PENDING,
  STATUS_SUCCESS,
  type UNICODE_STRING,
  WskDeregister,
  WskReleaseProviderNPI,
} from "../../mod.ts";
import { call, type Completion, start, TestClient } from "../_wsk.ts";

function unicode(text: string | null): UNICODE_STRING | null {
  if (text === null) return null;
  const s = {} as UNICODE_STRING;
  RtlInitUnicodeString(s, text);
  return s;
}

interface Resolved extends Completion {
  Result: { value: ADDRINFOEXW | null };
  entries: ADDRINFOEXW[];
}

async function getAddressInfo(
  client: TestClient,
  node: string | null,
  service: string | null,
  Hints: Partial<ADDRINFOEXW> | null = null,
  NameSpace = NS_ALL,
): Promise<Resolved> {
  const Result = { value: null as ADDRINFOEXW | null };
  const d = client.npi.Dispatch!;
  const c = await call((Irp) =>
    d.WskGetAddressInfo(
      client.npi.Client,
      unicode(node),
      unicode(service),
      NameSpace,
      null,
      Hints,
      Result,
      null,
      null,
      Irp,
    )
  );
  const entries: ADDRINFOEXW[] = [];
  for (let e = Result.value; e; e = e.ai_next) entries.push(e);
  return { ...c, Result, entries };
}

function free(client: TestClient, r: Resolved): void {
  client.npi.Dispatch!.WskFreeAddressInfo(client.npi.Client, r.Result.value);
}

function port(sa: SOCKADDR | null): number {
  const a = sa as SOCKADDR_IN & SOCKADDR_IN6;
  return ntohs(a.sin_port ?? a.sin6_port);
}

async function getNameInfo(
  client: TestClient,
  address: SOCKADDR,
  Flags: number,
  length = "sin6_family" in address ? 28 : 16,
  sizes: [number, number] = [NI_MAXHOST * 2, NI_MAXSERV * 2],
): Promise<Completion & { host: string; service: string }> {
  const NodeName: UNICODE_STRING = { Length: 0, MaximumLength: sizes[0], Buffer: "" };
  const ServiceName: UNICODE_STRING = { Length: 0, MaximumLength: sizes[1], Buffer: "" };
  const c = await call((Irp) =>
    client.npi.Dispatch!.WskGetNameInfo(
      client.npi.Client,
      address,
      length,
      NodeName,
      ServiceName,
      Flags,
      null,
      null,
      Irp,
    )
  );
  if (c.Status === STATUS_SUCCESS) {
    assert.equal(NodeName.Length, NodeName.Buffer.length * 2);
    assert.equal(ServiceName.Length, ServiceName.Buffer.length * 2);
  }
  return { ...c, host: NodeName.Buffer, service: ServiceName.Buffer };
}

Deno.test("WskGetAddressInfo with a NULL IRP or an invalid client leaves the IRP untouched", async () => {
  const client = new TestClient();
  const d = client.npi.Dispatch!;
  const Result = { value: null as ADDRINFOEXW | null };
  const node = unicode("localhost");
  assert.equal(
    d.WskGetAddressInfo(
      client.npi.Client,
      node,
      null,
      NS_ALL,
      null,
      null,
      Result,
      null,
      null,
      null,
    ),
    STATUS_INVALID_PARAMETER,
  );
  const Irp = IoAllocateIrp(1, false)!;
  const location = Irp.CurrentLocation;
  assert.equal(
    d.WskGetAddressInfo(null, node, null, NS_ALL, null, null, Result, null, null, Irp),
    STATUS_INVALID_HANDLE,
  );
  assert.equal(
    d.WskGetNameInfo(null, sockaddr("127.0.0.1", 80)!, 16, unicode(""), null, 0, null, null, Irp),
    STATUS_INVALID_HANDLE,
  );
  assert.equal(
    d.WskGetNameInfo(
      client.npi.Client,
      sockaddr("127.0.0.1", 80)!,
      16,
      unicode(""),
      null,
      0,
      null,
      null,
      null,
    ),
    STATUS_INVALID_PARAMETER,
  );
  assert.equal(Irp.CurrentLocation, location, "the IRP was not touched");
  assert.equal(Irp.IoStatus.Status, 0);
  assert.equal(Result.value, null);
  IoFreeIrp(Irp);
  await client.close();
});

Deno.test("localhost resolves from /etc/hosts, one entry per address with the hints' socket type", async () => {
  const client = new TestClient();
  const any = await getAddressInfo(client, "localhost", null);
  assert.equal(any.returned, STATUS_PENDING);
  assert.equal(any.Status, STATUS_SUCCESS);
  assert.equal(any.Information, 0, "Windows leaves Information 0");
  const v4 = any.entries.filter((e) => e.ai_family === AF_INET);
  assert.ok(v4.some((e) => sockaddrToString(e.ai_addr!) === "127.0.0.1:0"));
  for (const e of any.entries) {
    assert.equal(e.ai_addrlen, e.ai_family === AF_INET ? 16 : 28);
    assert.equal(e.ai_socktype, 0, "no expansion per socket type, as on Windows");
    assert.equal(e.ai_protocol, 0);
    assert.equal(e.ai_canonname, null);
  }
  const keys = any.entries.map((e) => sockaddrToString(e.ai_addr!));
  assert.equal(new Set(keys).size, keys.length, "each address once");
  free(client, any);

  const stream = await getAddressInfo(client, "localhost", null, {
    ai_family: AF_INET,
    ai_socktype: SOCK_STREAM,
    ai_protocol: IPPROTO_TCP,
    ai_flags: AI_CANONNAME,
  });
  assert.equal(stream.Status, STATUS_SUCCESS);
  assert.ok(stream.entries.every((e) => e.ai_family === AF_INET));
  assert.ok(
    stream.entries.every((e) => e.ai_socktype === SOCK_STREAM && e.ai_protocol === IPPROTO_TCP),
  );
  assert.equal(stream.entries[0]!.ai_canonname, "localhost");
  assert.ok(stream.entries.slice(1).every((e) => e.ai_canonname === null));
  free(client, stream);
  assert.equal(outstandingAddressInfo(client.npi.Client), 0);
  await client.close();
});

Deno.test('numeric IPv4 and IPv6 literals with service "12345" resolve to port 12345', async () => {
  const client = new TestClient();
  const v4 = await getAddressInfo(client, "127.0.0.1", "12345");
  assert.equal(v4.Status, STATUS_SUCCESS);
  assert.equal(v4.entries.length, 1);
  assert.deepEqual(
    [
      v4.entries[0]!.ai_family,
      v4.entries[0]!.ai_addrlen,
      sockaddrToString(v4.entries[0]!.ai_addr!),
    ],
    [AF_INET, 16, "127.0.0.1:12345"],
  );
  assert.equal((v4.entries[0]!.ai_addr as SOCKADDR_IN).sin_addr.s_addr, 0x0100007f);
  const v6 = await getAddressInfo(client, "::1", "12345");
  assert.equal(v6.Status, STATUS_SUCCESS);
  assert.equal(v6.entries.length, 1);
  const a6 = v6.entries[0]!.ai_addr as SOCKADDR_IN6;
  assert.deepEqual([v6.entries[0]!.ai_family, v6.entries[0]!.ai_addrlen], [AF_INET6, 28]);
  assert.deepEqual([...a6.sin6_addr.u.Byte], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  assert.equal(port(a6), 12345);
  // A literal of the other family than asked for is not found.
  const wrong = await getAddressInfo(client, "::1", "12345", { ai_family: AF_INET });
  assert.equal(wrong.Status, STATUS_NOT_FOUND);
  free(client, v4);
  free(client, v6);
  await client.close();
});

Deno.test("service names resolve to their ports: http → 80, domain over UDP → 53", async () => {
  const client = new TestClient();
  const http = await getAddressInfo(client, "localhost", "http", { ai_family: AF_INET });
  assert.equal(http.Status, STATUS_SUCCESS);
  assert.ok(http.entries.length >= 1);
  assert.ok(http.entries.every((e) => port(e.ai_addr) === 80));
  const dns = await getAddressInfo(client, "127.0.0.1", "domain", {
    ai_socktype: SOCK_DGRAM,
    ai_protocol: IPPROTO_UDP,
  });
  assert.equal(port(dns.entries[0]!.ai_addr), 53);
  assert.equal(
    (await getAddressInfo(client, "127.0.0.1", "no-such-service")).Status,
    STATUS_NOT_FOUND,
  );
  free(client, http);
  free(client, dns);
  await client.close();
});

Deno.test("an unknown name completes STATUS_NOT_FOUND with Information 0 and no result", async () => {
  const client = new TestClient();
  const r = await getAddressInfo(client, "dead.invalid", null);
  assert.deepEqual([r.returned, r.Status, r.Information], [STATUS_PENDING, STATUS_NOT_FOUND, 0]);
  assert.equal(r.Result.value, null);
  assert.equal(outstandingAddressInfo(client.npi.Client), 0);
  // AI_NUMERICHOST forbids looking a name up at all.
  const numeric = await getAddressInfo(client, "localhost", null, { ai_flags: AI_NUMERICHOST });
  assert.equal(numeric.Status, STATUS_NOT_FOUND);
  await client.close();
});

Deno.test("WskGetAddressInfo argument errors complete the IRP with the documented statuses", async () => {
  const client = new TestClient();
  const both = await getAddressInfo(client, null, null);
  assert.deepEqual([both.returned, both.Status], [STATUS_PENDING, STATUS_INVALID_PARAMETER]);
  assert.equal((await getAddressInfo(client, "", "")).Status, STATUS_INVALID_PARAMETER);
  assert.equal(
    (await getAddressInfo(client, "localhost", null, null, 99)).Status,
    STATUS_INVALID_PARAMETER,
  );
  assert.equal(
    (await getAddressInfo(client, "localhost", null, { ai_family: 99 })).Status,
    STATUS_NOT_SUPPORTED,
  );
  assert.equal(
    (await getAddressInfo(client, null, "80", { ai_flags: AI_CANONNAME })).Status,
    STATUS_INVALID_PARAMETER,
  );
  assert.equal(
    (await getAddressInfo(client, "localhost", null, { ai_addr: sockaddr("127.0.0.1", 1) })).Status,
    STATUS_INVALID_PARAMETER,
  );
  const dns = await getAddressInfo(client, "127.0.0.1", null, null, NS_DNS);
  assert.equal(dns.Status, STATUS_SUCCESS, "NS_DNS is accepted like NS_ALL");
  free(client, dns);
  await client.close();
});

Deno.test("AI_PASSIVE with no node gives the wildcard; AI_V4MAPPED maps IPv4 for AF_INET6", async () => {
  const client = new TestClient();
  const passive = await getAddressInfo(client, null, "8080", {
    ai_family: AF_INET,
    ai_flags: AI_PASSIVE,
  });
  assert.deepEqual(passive.entries.map((e) => sockaddrToString(e.ai_addr!)), ["0.0.0.0:8080"]);
  const loopback = await getAddressInfo(client, null, "8080", { ai_family: AF_INET });
  assert.deepEqual(loopback.entries.map((e) => sockaddrToString(e.ai_addr!)), ["127.0.0.1:8080"]);
  const mapped = await getAddressInfo(client, "127.0.0.1", "7", {
    ai_family: AF_INET6,
    ai_flags: AI_V4MAPPED,
  });
  assert.deepEqual(mapped.entries.map((e) => [e.ai_family, sockaddrToString(e.ai_addr!)]), [
    [AF_INET6, "[::ffff:127.0.0.1]:7"],
  ]);
  for (const r of [passive, loopback, mapped]) free(client, r);
  await client.close();
});

Deno.test("WskFreeAddressInfo releases the list; a second free bug checks BAD_POOL_CALLER", async () => {
  const client = new TestClient();
  const d = client.npi.Dispatch!;
  const a = await getAddressInfo(client, "127.0.0.1", "1");
  const b = await getAddressInfo(client, "::1", "2");
  assert.equal(outstandingAddressInfo(client.npi.Client), 2);
  free(client, a);
  assert.equal(outstandingAddressInfo(client.npi.Client), 1);
  free(client, b);
  assert.equal(outstandingAddressInfo(client.npi.Client), 0);
  d.WskFreeAddressInfo(client.npi.Client, null); // NULL: nothing to do
  assert.throws(
    () => free(client, a),
    (e) =>
      e instanceof BugCheckError && e.BugCheckCode === 0xC2 && e.BugCheckParameters[0] === 0x07,
  );
  const forged = { ...b.entries[0]! };
  assert.throws(
    () => d.WskFreeAddressInfo(client.npi.Client, forged),
    (e) =>
      e instanceof BugCheckError && e.BugCheckCode === 0xC2 && e.BugCheckParameters[0] === 0x43,
  );
  assert.equal(outstandingAddressInfo(null), 0);
  await client.close();
});

Deno.test("WskGetNameInfo round trip: numeric, by name, NI_DGRAM and NI_NAMEREQD", async () => {
  const client = new TestClient();
  const resolved = await getAddressInfo(client, "127.0.0.1", "12345");
  const address = resolved.entries[0]!.ai_addr!;
  const numeric = await getNameInfo(client, address, NI_NUMERICHOST | NI_NUMERICSERV);
  assert.deepEqual([numeric.returned, numeric.Status, numeric.Information], [
    STATUS_PENDING,
    STATUS_SUCCESS,
    0,
  ]);
  assert.deepEqual([numeric.host, numeric.service], ["127.0.0.1", "12345"]);
  free(client, resolved);

  const named = await getNameInfo(client, sockaddr("127.0.0.1", 80)!, 0);
  assert.deepEqual([named.Status, named.host, named.service], [
    STATUS_SUCCESS,
    "localhost",
    "http",
  ]);
  const udp = await getNameInfo(client, sockaddr("127.0.0.1", 53)!, NI_NUMERICHOST | NI_DGRAM);
  assert.deepEqual([udp.host, udp.service], ["127.0.0.1", "domain"]);
  // An address with no name: its number, unless a name is required.
  const nameless = await getNameInfo(client, sockaddr("192.0.2.1", 80)!, NI_NUMERICSERV);
  assert.deepEqual([nameless.Status, nameless.host, nameless.service], [
    STATUS_SUCCESS,
    "192.0.2.1",
    "80",
  ]);
  const required = await getNameInfo(client, sockaddr("192.0.2.1", 80)!, NI_NAMEREQD);
  assert.deepEqual([required.Status, required.Information], [STATUS_NOT_FOUND, 0]);
  const v6 = await getNameInfo(client, sockaddr("::1", 443)!, NI_NUMERICHOST | NI_NUMERICSERV);
  assert.deepEqual([v6.host, v6.service], ["::1", "443"]);
  await client.close();
});

Deno.test("WskGetNameInfo checks its arguments and the output string sizes", async () => {
  const client = new TestClient();
  const d = client.npi.Dispatch!;
  const both = await call((Irp) =>
    d.WskGetNameInfo(
      client.npi.Client,
      sockaddr("127.0.0.1", 80)!,
      16,
      null,
      null,
      0,
      null,
      null,
      Irp,
    )
  );
  assert.deepEqual([both.returned, both.Status], [STATUS_PENDING, STATUS_INVALID_PARAMETER]);
  assert.equal(
    (await getNameInfo(client, sockaddr("127.0.0.1", 80)!, 0, 8)).Status,
    STATUS_INVALID_PARAMETER,
  );
  assert.equal(
    (await getNameInfo(client, sockaddr("::1", 80)!, 0, 16)).Status,
    STATUS_INVALID_PARAMETER,
  );
  assert.equal(
    (await getNameInfo(client, sockaddr("127.0.0.1", 80)!, 0, 129)).Status,
    STATUS_INVALID_PARAMETER,
  );
  assert.equal((await getNameInfo(client, {}, 0, 16)).Status, STATUS_INVALID_PARAMETER);
  assert.equal(
    (await getNameInfo(client, sockaddr("127.0.0.1", 80)!, 0x8000)).Status,
    STATUS_INVALID_PARAMETER,
  );
  // A SOCKADDR_STORAGE-sized buffer is fine.
  const storage = await getNameInfo(
    client,
    sockaddr("127.0.0.1", 80)!,
    NI_NUMERICHOST | NI_NUMERICSERV,
    128,
  );
  assert.equal(storage.Status, STATUS_SUCCESS);
  // "127.0.0.1" needs 9 characters and a NUL: 20 bytes.
  const tight = await getNameInfo(
    client,
    sockaddr("127.0.0.1", 80)!,
    NI_NUMERICHOST | NI_NUMERICSERV,
    16,
    [20, 6],
  );
  assert.deepEqual([tight.Status, tight.host, tight.service], [STATUS_SUCCESS, "127.0.0.1", "80"]);
  const small = await getNameInfo(
    client,
    sockaddr("127.0.0.1", 80)!,
    NI_NUMERICHOST | NI_NUMERICSERV,
    16,
    [18, 6],
  );
  assert.deepEqual([small.Status, small.host, small.service], [STATUS_BUFFER_TOO_SMALL, "", ""]);
  await client.close();
});

Deno.test("IoCancelIrp ends a lookup with STATUS_CANCELLED; WskDeregister waits for lookups in progress", async () => {
  const client = new TestClient();
  const d = client.npi.Dispatch!;
  const Result = { value: null as ADDRINFOEXW | null };
  const cancelled = start((Irp) =>
    d.WskGetAddressInfo(
      client.npi.Client,
      unicode("localhost"),
      null,
      NS_ALL,
      null,
      null,
      Result,
      null,
      null,
      Irp,
    )
  );
  assert.equal(IoCancelIrp(cancelled.Irp), true);
  const c = await cancelled.done;
  assert.deepEqual([c.Status, c.Information], [STATUS_CANCELLED, 0]);

  const order: string[] = [];
  const Later = { value: null as ADDRINFOEXW | null };
  const lookup = start((Irp) =>
    d.WskGetAddressInfo(
      client.npi.Client,
      unicode("127.0.0.1"),
      null,
      NS_ALL,
      null,
      null,
      Later,
      null,
      null,
      Irp,
    )
  );
  lookup.done.then(() => order.push("lookup completed"));
  WskReleaseProviderNPI(client.registration);
  await WskDeregister(client.registration);
  order.push("deregistered");
  assert.deepEqual(order, ["lookup completed", "deregistered"]);
  assert.equal(Result.value, null, "the cancelled lookup published nothing");
  d.WskFreeAddressInfo(null, Later.value);
});
