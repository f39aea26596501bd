// Copyright 2026 the wskemu authors. MIT license.
/**
 * Testing a WSK driver under network faults. {@linkcode FaultTransport}
 * wraps the real transport and, from one seed, adds latency, caps bandwidth,
 * cuts reads and writes into random slices, resets a connection after exactly
 * N bytes, refuses the Nth connect, black-holes a connection, kills
 * listeners, and drops or duplicates datagrams. Register the driver with
 * `wskRegisterWithTransport` to put it over the faults; its code is unchanged.
 *
 * ```ts
 * import {
 *   MAKE_WSK_VERSION, STATUS_SUCCESS, WSK_REGISTRATION, WskDeregister, wskRegisterWithTransport,
 * } from "@wskemu/wsk";
 * import { FaultTransport } from "@wskemu/wsk/testing";
 * import assert from "node:assert/strict";
 *
 * const faults = new FaultTransport({ seed: 42, latencyMs: 5, maxSliceBytes: 512 });
 * const WskRegistration = new WSK_REGISTRATION();
 * const Dispatch = { Version: MAKE_WSK_VERSION(1, 0), Reserved: 0, WskClientEvent: null };
 * assert.equal(
 *   wskRegisterWithTransport({ ClientContext: null, Dispatch }, WskRegistration, faults),
 *   STATUS_SUCCESS,
 * );
 * // ... WskCaptureProviderNPI, WskSocket, etc., exactly as over the real network ...
 * await WskDeregister(WskRegistration);
 * ```
 *
 * @module
 */
export * from "./fault_transport.ts";
