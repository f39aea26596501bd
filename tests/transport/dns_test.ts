// Copyright 2026 the wskemu authors. MIT license.
// Name resolution through the system resolver, offline: localhost and
// /etc/hosts, IP literals, service names, reverse lookups, failures.
import assert from "node:assert/strict";
import {
  STATUS_ACCESS_DENIED,
  STATUS_INVALID_PARAMETER,
  STATUS_NOT_FOUND,
  STATUS_SUCCESS,
} from "../../irp/ntstatus.ts";
import { nameResolver } from "../../transport/dns.ts";
import {
  builtInServices,
  loadServices,
  parseServices,
  systemServices,
} from "../../transport/_dns_services.ts";
import type { Endpoint, ResolvedAddress } from "../../transport/types.ts";

const endpoints = (list: ResolvedAddress[] | null): Endpoint[] =>
  (list ?? []).map(({ endpoint }) => endpoint);

Deno.test("localhost resolves to 127.0.0.1 through the system resolver", async () => {
  const result = await nameResolver.getAddressInfo("localhost", null, { family: 0 });
  assert.equal(result.status, STATUS_SUCCESS);
  const found = endpoints(result.value);
  assert.ok(found.some((e) => e.hostname === "127.0.0.1" && e.family === 4 && e.port === 0));
  assert.equal(new Set(found.map((e) => e.hostname)).size, found.length, "no duplicates");
});

Deno.test("a family of 4 gives only IPv4 addresses", async () => {
  const result = await nameResolver.getAddressInfo("localhost", null, { family: 4 });
  assert.equal(result.status, STATUS_SUCCESS);
  assert.ok(endpoints(result.value).every((e) => e.family === 4));
});

Deno.test("a family of 6 gives only IPv6 addresses, or STATUS_NOT_FOUND", async () => {
  // This machine's /etc/hosts lists localhost as 127.0.0.1 only; where it
  // also lists ::1, that is the answer.
  const hosts = await Deno.readTextFile("/etc/hosts").catch(() => "");
  const listsV6 = /^\s*::1\s+.*\blocalhost\b/m.test(hosts);
  const result = await nameResolver.getAddressInfo("localhost", null, { family: 6 });
  if (listsV6) {
    assert.equal(result.status, STATUS_SUCCESS);
    assert.ok(endpoints(result.value).every((e) => e.family === 6));
    assert.ok(endpoints(result.value).some((e) => e.hostname === "::1"));
  } else {
    assert.deepEqual(result, { status: STATUS_NOT_FOUND, value: null });
  }
});

Deno.test("an IPv4 literal with a numeric service resolves without a lookup", async () => {
  const result = await nameResolver.getAddressInfo("127.0.0.1", "12345", { family: 0 });
  assert.deepEqual(result, {
    status: STATUS_SUCCESS,
    value: [{ endpoint: { hostname: "127.0.0.1", port: 12345, family: 4 } }],
  });
});

Deno.test("an IPv6 literal with a numeric service resolves without a lookup", async () => {
  const result = await nameResolver.getAddressInfo("::1", "12345", {
    family: 6,
    numericHost: true,
    numericService: true,
  });
  assert.deepEqual(endpoints(result.value), [{ hostname: "::1", port: 12345, family: 6 }]);
});

Deno.test({
  name: "literals need no permission; names without net permission give STATUS_ACCESS_DENIED",
  permissions: { net: false, read: false },
  async fn() {
    const literal = await nameResolver.getAddressInfo("127.0.0.1", "80", { family: 4 });
    assert.equal(literal.status, STATUS_SUCCESS);
    // Service names still resolve, from the built-in table.
    const service = await nameResolver.getAddressInfo("127.0.0.1", "https", { family: 4 });
    assert.equal(service.value![0].endpoint.port, 443);
    const named = await nameResolver.getAddressInfo("localhost", null, { family: 0 });
    assert.deepEqual(named, { status: STATUS_ACCESS_DENIED, value: null });
    const reverse = await nameResolver.getNameInfo(
      { hostname: "127.0.0.1", port: 80, family: 4 },
      { numericService: true },
    );
    assert.equal(reverse.status, STATUS_ACCESS_DENIED);
  },
});

Deno.test("a literal of the other family than asked gives STATUS_NOT_FOUND", async () => {
  const v4as6 = await nameResolver.getAddressInfo("127.0.0.1", null, { family: 6 });
  assert.equal(v4as6.status, STATUS_NOT_FOUND);
  const v6as4 = await nameResolver.getAddressInfo("::1", null, { family: 4 });
  assert.equal(v6as4.status, STATUS_NOT_FOUND);
});

Deno.test("service names give their well-known ports", async () => {
  const port = async (service: string, protocol?: "tcp" | "udp") => {
    const result = await nameResolver.getAddressInfo("127.0.0.1", service, { family: 4, protocol });
    assert.equal(result.status, STATUS_SUCCESS, service);
    return result.value![0].endpoint.port;
  };
  assert.equal(await port("http"), 80);
  assert.equal(await port("https"), 443);
  assert.equal(await port("ssh"), 22);
  assert.equal(await port("domain", "udp"), 53);
  assert.equal(await port("HTTP"), 80);
});

Deno.test("a null node gives loopback, or the wildcard when passive", async () => {
  const loopback = await nameResolver.getAddressInfo(null, "http", { family: 0 });
  assert.deepEqual(endpoints(loopback.value), [
    { hostname: "::1", port: 80, family: 6 },
    { hostname: "127.0.0.1", port: 80, family: 4 },
  ]);
  const wildcard = await nameResolver.getAddressInfo(null, "8080", { family: 4, passive: true });
  assert.deepEqual(endpoints(wildcard.value), [{ hostname: "0.0.0.0", port: 8080, family: 4 }]);
  const wildcard6 = await nameResolver.getAddressInfo("", "53", { family: 6, passive: true });
  assert.deepEqual(endpoints(wildcard6.value), [{ hostname: "::", port: 53, family: 6 }]);
});

Deno.test("the canonical name is on the first address only, when asked", async () => {
  const asked = await nameResolver.getAddressInfo("localhost", null, {
    family: 0,
    canonicalName: true,
  });
  assert.equal(asked.value![0].canonicalName, "localhost");
  assert.ok(asked.value!.slice(1).every((a) => a.canonicalName === undefined));
  const notAsked = await nameResolver.getAddressInfo("localhost", null, { family: 0 });
  assert.equal(notAsked.value![0].canonicalName, undefined);
});

Deno.test("an unknown name gives STATUS_NOT_FOUND", async () => {
  const result = await nameResolver.getAddressInfo("dead.beef.invalid", null, { family: 0 });
  assert.deepEqual(result, { status: STATUS_NOT_FOUND, value: null });
});

Deno.test("numericHost with a name gives STATUS_NOT_FOUND without a lookup", async () => {
  const result = await nameResolver.getAddressInfo("localhost", null, {
    family: 0,
    numericHost: true,
  });
  assert.equal(result.status, STATUS_NOT_FOUND);
});

Deno.test("unknown or non-numeric services give STATUS_NOT_FOUND", async () => {
  const unknown = await nameResolver.getAddressInfo("127.0.0.1", "no-such-service", { family: 0 });
  assert.equal(unknown.status, STATUS_NOT_FOUND);
  const named = await nameResolver.getAddressInfo("127.0.0.1", "http", {
    family: 0,
    numericService: true,
  });
  assert.equal(named.status, STATUS_NOT_FOUND);
});

Deno.test("bad arguments give STATUS_INVALID_PARAMETER", async () => {
  const nothing = await nameResolver.getAddressInfo(null, null, { family: 0 });
  assert.deepEqual(nothing, { status: STATUS_INVALID_PARAMETER, value: null });
  const empty = await nameResolver.getAddressInfo("", "", { family: 0 });
  assert.equal(empty.status, STATUS_INVALID_PARAMETER);
  const bigPort = await nameResolver.getAddressInfo("127.0.0.1", "65536", { family: 0 });
  assert.equal(bigPort.status, STATUS_INVALID_PARAMETER);
  const family = await nameResolver.getAddressInfo("127.0.0.1", null, { family: 5 as 4 });
  assert.equal(family.status, STATUS_INVALID_PARAMETER);
  const notLiteral = await nameResolver.getNameInfo(
    { hostname: "localhost", port: 80, family: 4 },
    {},
  );
  assert.equal(notLiteral.status, STATUS_INVALID_PARAMETER);
  const badPort = await nameResolver.getNameInfo(
    { hostname: "127.0.0.1", port: -1, family: 4 },
    {},
  );
  assert.equal(badPort.status, STATUS_INVALID_PARAMETER);
});

Deno.test("getNameInfo turns 127.0.0.1:80 into localhost and http", async () => {
  const named = await nameResolver.getNameInfo({ hostname: "127.0.0.1", port: 80, family: 4 }, {});
  assert.deepEqual(named, {
    status: STATUS_SUCCESS,
    value: { host: "localhost", service: "http" },
  });
});

Deno.test("getNameInfo honours numericHost and numericService", async () => {
  const at = { hostname: "127.0.0.1", port: 80, family: 4 } as const;
  const numeric = await nameResolver.getNameInfo(at, { numericHost: true, numericService: true });
  assert.deepEqual(numeric.value, { host: "127.0.0.1", service: "80" });
  const hostOnly = await nameResolver.getNameInfo(at, { numericHost: true });
  assert.deepEqual(hostOnly.value, { host: "127.0.0.1", service: "http" });
  const serviceOnly = await nameResolver.getNameInfo(at, { numericService: true });
  assert.deepEqual(serviceOnly.value, { host: "localhost", service: "80" });
});

Deno.test("getNameInfo names UDP services with datagram, and unnamed ports as numbers", async () => {
  const dns = await nameResolver.getNameInfo(
    { hostname: "127.0.0.1", port: 53, family: 4 },
    { datagram: true },
  );
  assert.equal(dns.value!.service, "domain");
  const unnamed = await nameResolver.getNameInfo(
    { hostname: "127.0.0.1", port: 47999, family: 4 },
    { numericHost: true },
  );
  assert.equal(unnamed.value!.service, "47999");
});

Deno.test("an address with no name: the literal, or STATUS_NOT_FOUND with nameRequired", async () => {
  // 127.0.0.2 is not in this machine's /etc/hosts (checked below).
  const hosts = await Deno.readTextFile("/etc/hosts").catch(() => "");
  assert.ok(!/^\s*127\.0\.0\.2\s/m.test(hosts), "test premise: 127.0.0.2 has no name");
  const at: Endpoint = { hostname: "127.0.0.2", port: 80, family: 4 };
  const literal = await nameResolver.getNameInfo(at, {});
  assert.deepEqual(literal.value, { host: "127.0.0.2", service: "http" });
  const required = await nameResolver.getNameInfo(at, { nameRequired: true });
  assert.deepEqual(required, { status: STATUS_NOT_FOUND, value: null });
});

Deno.test("a services file is parsed by name, alias, port and protocol", () => {
  const table = parseServices(
    [
      "# comment line",
      "http\t80/tcp\twww\t# WorldWideWeb HTTP",
      "domain 53/tcp",
      "domain 53/udp",
      "broken line",
      "odd 99999/tcp",
      "first 7000/udp",
      "second 7000/udp",
    ].join("\n"),
  );
  assert.equal(table.port("http", "tcp"), 80);
  assert.equal(table.port("www", "tcp"), 80);
  assert.equal(table.port("http", "udp"), undefined);
  assert.equal(table.port("domain", "udp"), 53);
  assert.equal(table.port("odd", "tcp"), undefined);
  assert.equal(table.name(80, "tcp"), "http");
  assert.equal(table.name(7000, "udp"), "first");
  assert.equal(table.name(7000, "tcp"), undefined);
});

Deno.test("the built-in table knows the well-known ports", () => {
  const table = builtInServices();
  for (const [name, port] of [["http", 80], ["https", 443], ["domain", 53], ["ssh", 22]] as const) {
    assert.equal(table.port(name, "tcp"), port, name);
    assert.equal(table.name(port, "tcp"), name);
  }
  assert.equal(table.port("domain", "udp"), 53);
  assert.equal(table.port("ntp", "udp"), 123);
  assert.equal(table.port("ntp", "tcp"), undefined);
});

Deno.test({
  name: "without read permission the built-in table is used, with no prompt",
  permissions: { read: false },
  async fn() {
    const table = await loadServices("/etc/services");
    assert.equal(table.port("http", "tcp"), 80);
    assert.equal(table.port("openvpn", "udp"), 1194);
  },
});

Deno.test("a missing services file falls back to the built-in table", async () => {
  const table = await loadServices("/nonexistent/services");
  assert.equal(table.port("https", "tcp"), 443);
});

Deno.test("the system table is loaded once and shared", async () => {
  assert.equal(await systemServices(), await systemServices());
});

Deno.test("a service known only for UDP is found when no protocol is given", async () => {
  const result = await nameResolver.getAddressInfo("127.0.0.1", "ntp", { family: 4 });
  assert.equal(result.value![0].endpoint.port, 123);
  const tcpOnly = await nameResolver.getAddressInfo("127.0.0.1", "ntp", {
    family: 4,
    protocol: "tcp",
  });
  assert.equal(tcpOnly.status, STATUS_NOT_FOUND);
});
