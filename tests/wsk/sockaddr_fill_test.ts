// Copyright 2026 the wskemu authors. MIT license.
// The one SOCKADDR writer: what a filled structure holds, whatever it held before.
import assert from "node:assert/strict";
import { fillSockaddr } from "../../wsk/_address.ts";
import { SenderAddresses } from "../../wsk/_datagram_address.ts";
import {
  AF_INET,
  AF_INET6,
  type SOCKADDR,
  type SOCKADDR_IN,
  type SOCKADDR_IN6,
  sockaddrToString,
} from "../../wsk/mod.ts";
import type { Endpoint } from "../../transport/types.ts";

const v4 = (port: number): Endpoint => ({ hostname: "127.0.0.2", port, family: 4 });
const v6 = (port: number): Endpoint => ({ hostname: "::1", port, family: 6 });

Deno.test("a SOCKADDR_IN filled again is overwritten in place with a zeroed sin_zero", () => {
  const out = {} as SOCKADDR;
  fillSockaddr(out, v4(1000), AF_INET);
  const four = out as SOCKADDR_IN;
  four.sin_zero[3] = 7;
  fillSockaddr(out, { hostname: "10.0.0.1", port: 2000, family: 4 }, AF_INET);
  assert.equal(sockaddrToString(out), "10.0.0.1:2000");
  assert.deepEqual(four.sin_zero, new Uint8Array(8));
  assert.deepEqual(Object.keys(out).sort(), ["sin_addr", "sin_family", "sin_port", "sin_zero"]);
});

Deno.test("a structure of the other family is emptied before it is filled", () => {
  const out = {} as SOCKADDR;
  fillSockaddr(out, v6(1000), AF_INET6);
  fillSockaddr(out, v4(2000), AF_INET);
  assert.equal((out as SOCKADDR_IN).sin_family, AF_INET);
  assert.equal("sin6_family" in out, false);
  fillSockaddr(out, v4(3000), AF_INET6);
  assert.equal((out as SOCKADDR_IN6).sin6_family, AF_INET6);
  assert.equal("sin_family" in out || "sin_zero" in out, false);
  assert.equal(sockaddrToString(out), "[::ffff:127.0.0.2]:3000");
});

Deno.test("a datagram socket's senders are filled as fillSockaddr fills them, in any order", () => {
  for (const family of [AF_INET, AF_INET6]) {
    const senders = new SenderAddresses(family);
    const reused: SOCKADDR = {};
    const from = family === AF_INET ? [v4(1), v4(2), v4(2)] : [v4(1), v6(2), v6(3), v4(4)];
    for (const ep of from) {
      const expected: SOCKADDR = {};
      fillSockaddr(expected, ep, family);
      const fresh: SOCKADDR = {};
      senders.fill(fresh, ep);
      senders.fill(reused, ep);
      assert.deepEqual(fresh, expected);
      assert.deepEqual(reused, expected);
    }
  }
});
