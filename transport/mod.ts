// Copyright 2026 the wskemu authors. MIT license.
/**
 * Real sockets behind one interface: TCP streams and listeners, UDP sockets and
 * name resolution, with every host error mapped to an NTSTATUS. The WSK
 * subsystem in `wsk/` is the only intended caller; nothing here sees an IRP.
 *
 * ```ts
 * import { tcpTransport, endpoint } from "@wskemu/wsk/transport";
 * import assert from "node:assert/strict";
 *
 * const listening = await tcpTransport.listen({ local: endpoint("127.0.0.1", 0) });
 * assert.equal(listening.status, 0);
 * listening.value!.close();
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./errors.ts";
export * from "./tcp.ts";
export * from "./udp.ts";
export * from "./dns.ts";
export * from "./real.ts";
