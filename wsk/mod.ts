// Copyright 2026 the wskemu authors. MIT license.
/**
 * The Winsock Kernel subsystem: registration, the provider dispatch table,
 * socket categories with their dispatch tables, event callbacks, addresses and
 * name resolution, with the names, parameter orders and statuses of wsk.h.
 *
 * ```ts
 * import {
 *   MAKE_WSK_VERSION, WSK_INFINITE_WAIT, WSK_PROVIDER_NPI, WSK_REGISTRATION,
 *   WskCaptureProviderNPI, WskDeregister, WskRegister, WskReleaseProviderNPI,
 * } from "@wskemu/wsk/wsk";
 * import { STATUS_SUCCESS } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const WskRegistration = new WSK_REGISTRATION();
 * const WskAppDispatch = { Version: MAKE_WSK_VERSION(1, 0), Reserved: 0, WskClientEvent: null };
 * assert.equal(WskRegister({ ClientContext: null, Dispatch: WskAppDispatch }, WskRegistration), STATUS_SUCCESS);
 * const wskProviderNpi = new WSK_PROVIDER_NPI();
 * assert.equal(WskCaptureProviderNPI(WskRegistration, WSK_INFINITE_WAIT, wskProviderNpi), STATUS_SUCCESS);
 * WskReleaseProviderNPI(WskRegistration);
 * await WskDeregister(WskRegistration);
 * ```
 *
 * @module
 */
export * from "./constants.ts";
export * from "./address.ts";
export * from "./structures.ts";
export * from "./dispatch_types.ts";
export * from "./registration.ts";
export * from "./provider.ts";
export * from "./names.ts";
