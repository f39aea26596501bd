// Copyright 2026 the wskemu authors. MIT license.
// statusFromError: every host error shape the transport meets maps to the
// NTSTATUS Windows gives for it (see transport/errors.ts), and nothing makes it throw.
import assert from "node:assert/strict";
import net from "node:net";
import {
  STATUS_ACCESS_DENIED,
  STATUS_ADDRESS_ALREADY_ASSOCIATED,
  STATUS_BUFFER_OVERFLOW,
  STATUS_CANCELLED,
  STATUS_CONNECTION_ABORTED,
  STATUS_CONNECTION_REFUSED,
  STATUS_CONNECTION_RESET,
  STATUS_HOST_UNREACHABLE,
  STATUS_INSUFFICIENT_RESOURCES,
  STATUS_INVALID_ADDRESS_COMPONENT,
  STATUS_INVALID_CONNECTION,
  STATUS_INVALID_PARAMETER,
  STATUS_IO_TIMEOUT,
  STATUS_NETWORK_BUSY,
  STATUS_NETWORK_UNREACHABLE,
  STATUS_NOT_FOUND,
  STATUS_NOT_SUPPORTED,
  STATUS_UNSUCCESSFUL,
} from "../../irp/ntstatus.ts";
import { statusFromError } from "../../transport/errors.ts";

function coded(code: string): Error {
  return Object.assign(new Error(code), { code });
}

Deno.test("statusFromError() maps errno codes to the NTSTATUS Windows gives", () => {
  const table: [string, number][] = [
    ["ECONNREFUSED", STATUS_CONNECTION_REFUSED],
    ["ECONNRESET", STATUS_CONNECTION_RESET],
    ["EPIPE", STATUS_CONNECTION_RESET],
    ["ECONNABORTED", STATUS_CONNECTION_ABORTED],
    ["ETIMEDOUT", STATUS_IO_TIMEOUT],
    ["ENETUNREACH", STATUS_NETWORK_UNREACHABLE],
    ["EHOSTUNREACH", STATUS_HOST_UNREACHABLE],
    ["EADDRINUSE", STATUS_ADDRESS_ALREADY_ASSOCIATED],
    ["EADDRNOTAVAIL", STATUS_INVALID_ADDRESS_COMPONENT],
    ["EACCES", STATUS_ACCESS_DENIED],
    ["EPERM", STATUS_ACCESS_DENIED],
    ["EINVAL", STATUS_INVALID_PARAMETER],
    ["EMSGSIZE", STATUS_BUFFER_OVERFLOW],
    ["EAFNOSUPPORT", STATUS_NOT_SUPPORTED],
    ["EMFILE", STATUS_INSUFFICIENT_RESOURCES],
    ["ENOTCONN", STATUS_INVALID_CONNECTION],
    ["ENETDOWN", STATUS_NETWORK_BUSY],
    ["ENOTFOUND", STATUS_NOT_FOUND],
    ["EAI_NONAME", STATUS_NOT_FOUND],
    ["ECANCELED", STATUS_CANCELLED],
  ];
  for (const [code, status] of table) assert.equal(statusFromError(coded(code)), status, code);
});

Deno.test("statusFromError() maps Deno error classes, the code winning when present", () => {
  const table: [Error, number][] = [
    [new Deno.errors.NotCapable("Requires net access"), STATUS_ACCESS_DENIED],
    [new Deno.errors.PermissionDenied("EACCES"), STATUS_ACCESS_DENIED],
    [new Deno.errors.ConnectionRefused("refused"), STATUS_CONNECTION_REFUSED],
    [new Deno.errors.ConnectionReset("reset"), STATUS_CONNECTION_RESET],
    [new Deno.errors.BrokenPipe("pipe"), STATUS_CONNECTION_RESET],
    [new Deno.errors.ConnectionAborted("aborted"), STATUS_CONNECTION_ABORTED],
    [new Deno.errors.AddrInUse("in use"), STATUS_ADDRESS_ALREADY_ASSOCIATED],
    [new Deno.errors.AddrNotAvailable("not here"), STATUS_INVALID_ADDRESS_COMPONENT],
    [new Deno.errors.TimedOut("slow"), STATUS_IO_TIMEOUT],
    [new Deno.errors.NetworkUnreachable("far"), STATUS_NETWORK_UNREACHABLE],
    [new Deno.errors.Interrupted("operation canceled"), STATUS_CANCELLED],
    [new Deno.errors.BadResource("Bad resource ID"), STATUS_CANCELLED],
    [new Deno.errors.NotConnected("not connected"), STATUS_INVALID_CONNECTION],
    [new Deno.errors.NotFound("no records"), STATUS_NOT_FOUND],
  ];
  for (const [error, status] of table) assert.equal(statusFromError(error), status, error.name);
  // A real Deno error carries the errno name too.
  const both = Object.assign(new Deno.errors.ConnectionReset("x"), { code: "ECONNREFUSED" });
  assert.equal(statusFromError(both), STATUS_CONNECTION_REFUSED);
});

Deno.test("statusFromError() maps abort and timeout reasons", () => {
  const controller = new AbortController();
  controller.abort();
  assert.equal(statusFromError(controller.signal.reason), STATUS_CANCELLED);
  assert.equal(statusFromError(new DOMException("t", "TimeoutError")), STATUS_IO_TIMEOUT);
  // Node's own AbortError (code ABORT_ERR).
  assert.equal(
    statusFromError(Object.assign(new Error("a"), { code: "ABORT_ERR" })),
    STATUS_CANCELLED,
  );
});

Deno.test("statusFromError() maps argument errors to STATUS_INVALID_PARAMETER", () => {
  assert.equal(statusFromError(new RangeError("port")), STATUS_INVALID_PARAMETER);
  assert.equal(statusFromError(new TypeError("type")), STATUS_INVALID_PARAMETER);
  let thrown: unknown;
  try {
    net.connect({ port: 70000 });
  } catch (error) {
    thrown = error;
  }
  assert.equal(statusFromError(thrown), STATUS_INVALID_PARAMETER);
});

Deno.test("statusFromError() gives STATUS_UNSUCCESSFUL for anything else, and never throws", () => {
  const odd: unknown[] = [
    undefined,
    null,
    42,
    "ECONNRESET",
    {},
    new Error("plain"),
    coded("E_NOT_A_CODE"),
    Object.create(null),
    { code: 7, name: 3 },
    coded("toString"),
    coded("__proto__"),
  ];
  for (const [i, value] of odd.entries()) {
    assert.equal(statusFromError(value), STATUS_UNSUCCESSFUL, `case ${i}`);
  }
  const hostile = new Proxy({}, {
    get() {
      throw new Error("trap");
    },
  });
  // A property trap that throws is the caller's bug; it must still not escape as a throw.
  assert.equal(statusFromError(hostile), STATUS_UNSUCCESSFUL);
});
