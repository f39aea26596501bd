// Copyright 2026 the wskemu authors. MIT license.
/**
 * Registering a WSK application: WskRegister, WskCaptureProviderNPI,
 * WskReleaseProviderNPI, WskQueryProviderCharacteristics and WskDeregister.
 *
 * @module
 */
import {
  type NTSTATUS,
  STATUS_DEVICE_NOT_READY,
  STATUS_INVALID_PARAMETER,
  STATUS_NOINTERFACE,
  STATUS_SUCCESS,
} from "../irp/ntstatus.ts";
import type { Transport } from "../transport/types.ts";
import { liveClients, WskClientState } from "./_client.ts";
import { guardCall } from "./_guard.ts";
import { MAKE_WSK_VERSION, WSK_MAJOR_VERSION } from "./constants.ts";
import { WskProviderDispatch } from "./provider.ts";
import type {
  WSK_CLIENT_NPI,
  WSK_PROVIDER_CHARACTERISTICS,
  WSK_PROVIDER_NPI,
  WSK_REGISTRATION,
} from "./structures.ts";

const clients = new WeakMap<WSK_REGISTRATION, WskClientState>();

/** The client a registration block holds, if any (garbage holds none). */
function registered(WskRegistration: WSK_REGISTRATION | null): WskClientState | undefined {
  return typeof WskRegistration === "object" && WskRegistration !== null
    ? clients.get(WskRegistration)
    : undefined;
}

/** The only WSK version this provider implements: 1.0. */
const PROVIDER_VERSION = MAKE_WSK_VERSION(1, 0);

/**
 * Registers a WSK application. Call WskDeregister once for every success. A
 * NULL NPI, an NPI without a dispatch table, a NULL block or a block already
 * registered (and not deregistered since) is STATUS_INVALID_PARAMETER; a
 * registration block that cannot be written (a bad pointer in C) bug checks
 * KMODE_EXCEPTION_NOT_HANDLED (0x1E), registering nothing.
 *
 * @example Usage
 * ```ts
 * import {
 *   MAKE_WSK_VERSION, STATUS_SUCCESS, WskDeregister, WskRegister, WSK_REGISTRATION,
 * } from "@wskemu/wsk";
 * import assert from "node:assert/strict";
 *
 * const WskRegistration = new WSK_REGISTRATION();
 * const Status = WskRegister(
 *   { ClientContext: null, Dispatch: { Version: MAKE_WSK_VERSION(1, 0), Reserved: 0, WskClientEvent: null } },
 *   WskRegistration,
 * );
 * assert.equal(Status, STATUS_SUCCESS);
 * await WskDeregister(WskRegistration);
 * ```
 */
export function WskRegister(
  WskClientNpi: WSK_CLIENT_NPI | null,
  WskRegistration: WSK_REGISTRATION | null,
): NTSTATUS {
  return guardCall("WskRegister", () => {
    if (!WskClientNpi?.Dispatch || !WskRegistration) return STATUS_INVALID_PARAMETER;
    if (registered(WskRegistration)?.deregistered === false) return STATUS_INVALID_PARAMETER;
    // Written first: a block that cannot be written faults before anything is registered.
    WskRegistration.ReservedRegistrationContext = null;
    const client = new WskClientState(WskClientNpi);
    WskRegistration.ReservedRegistrationContext = client;
    clients.set(WskRegistration, client);
    return STATUS_SUCCESS;
  });
}

/**
 * Captures the provider NPI. The emulated provider is ready at once, so
 * `WaitTimeout` (WSK_NO_WAIT, WSK_INFINITE_WAIT or milliseconds) never has to
 * be waited out. Returns STATUS_DEVICE_NOT_READY once WskDeregister has started
 * (and after it returned) and STATUS_NOINTERFACE when the client asked for a
 * major version other than 1. An NPI that cannot be written bug checks
 * KMODE_EXCEPTION_NOT_HANDLED (0x1E) and counts no capture, so WskDeregister
 * still returns.
 *
 * @example Usage
 * ```ts
 * import {
 *   MAKE_WSK_VERSION, STATUS_SUCCESS, WSK_INFINITE_WAIT, WSK_PROVIDER_NPI, WSK_REGISTRATION,
 *   WskCaptureProviderNPI, WskDeregister, WskRegister, WskReleaseProviderNPI,
 * } from "@wskemu/wsk";
 * import assert from "node:assert/strict";
 *
 * const reg = new WSK_REGISTRATION();
 * WskRegister({ ClientContext: null, Dispatch: { Version: MAKE_WSK_VERSION(1, 0), Reserved: 0, WskClientEvent: null } }, reg);
 * const npi = new WSK_PROVIDER_NPI();
 * assert.equal(WskCaptureProviderNPI(reg, WSK_INFINITE_WAIT, npi), STATUS_SUCCESS);
 * assert.equal(npi.Dispatch!.Version, MAKE_WSK_VERSION(1, 0));
 * WskReleaseProviderNPI(reg);
 * await WskDeregister(reg);
 * ```
 */
export function WskCaptureProviderNPI(
  WskRegistration: WSK_REGISTRATION | null,
  WaitTimeout: number,
  WskProviderNpi: WSK_PROVIDER_NPI | null,
): NTSTATUS {
  void WaitTimeout;
  return guardCall("WskCaptureProviderNPI", () => {
    const client = registered(WskRegistration);
    if (!client || !WskProviderNpi) return STATUS_INVALID_PARAMETER;
    if (client.deregistering) return STATUS_DEVICE_NOT_READY;
    if (WSK_MAJOR_VERSION(client.npi.Dispatch.Version) !== WSK_MAJOR_VERSION(PROVIDER_VERSION)) {
      return STATUS_NOINTERFACE;
    }
    // Filled before it is counted: an NPI that faults leaves no capture for WskDeregister to wait on.
    WskProviderNpi.Client = client;
    WskProviderNpi.Dispatch = WskProviderDispatch;
    client.captures++;
    return STATUS_SUCCESS;
  });
}

/**
 * Releases one captured provider NPI.
 *
 * @example Usage
 * ```ts
 * import {
 *   MAKE_WSK_VERSION, WSK_NO_WAIT, WSK_PROVIDER_NPI, WSK_REGISTRATION,
 *   WskCaptureProviderNPI, WskDeregister, WskRegister, WskReleaseProviderNPI,
 * } from "@wskemu/wsk";
 *
 * const reg = new WSK_REGISTRATION();
 * WskRegister({ ClientContext: null, Dispatch: { Version: MAKE_WSK_VERSION(1, 0), Reserved: 0, WskClientEvent: null } }, reg);
 * WskCaptureProviderNPI(reg, WSK_NO_WAIT, new WSK_PROVIDER_NPI());
 * WskReleaseProviderNPI(reg);
 * await WskDeregister(reg);
 * ```
 */
export function WskReleaseProviderNPI(WskRegistration: WSK_REGISTRATION | null): void {
  guardCall("WskReleaseProviderNPI", () => {
    const client = registered(WskRegistration);
    if (!client || client.captures === 0) return;
    client.captures--;
    client.released();
  });
}

/**
 * Reports the WSK versions the provider supports: 1.0 only. STATUS_INVALID_PARAMETER
 * for an unregistered block or a NULL output, STATUS_DEVICE_NOT_READY once
 * WskDeregister has started; an output that cannot be written bug checks
 * KMODE_EXCEPTION_NOT_HANDLED (0x1E).
 *
 * @example Usage
 * ```ts
 * import {
 *   MAKE_WSK_VERSION, STATUS_SUCCESS, WSK_REGISTRATION, WskDeregister,
 *   WskQueryProviderCharacteristics, WskRegister, type WSK_PROVIDER_CHARACTERISTICS,
 * } from "@wskemu/wsk";
 * import assert from "node:assert/strict";
 *
 * const reg = new WSK_REGISTRATION();
 * WskRegister({ ClientContext: null, Dispatch: { Version: MAKE_WSK_VERSION(1, 0), Reserved: 0, WskClientEvent: null } }, reg);
 * const c = {} as WSK_PROVIDER_CHARACTERISTICS;
 * assert.equal(WskQueryProviderCharacteristics(reg, c), STATUS_SUCCESS);
 * assert.equal(c.HighestVersion, MAKE_WSK_VERSION(1, 0));
 * await WskDeregister(reg);
 * ```
 */
export function WskQueryProviderCharacteristics(
  WskRegistration: WSK_REGISTRATION | null,
  WskProviderCharacteristics: WSK_PROVIDER_CHARACTERISTICS | null,
): NTSTATUS {
  return guardCall("WskQueryProviderCharacteristics", () => {
    const client = registered(WskRegistration);
    if (!client || !WskProviderCharacteristics) return STATUS_INVALID_PARAMETER;
    if (client.deregistering) return STATUS_DEVICE_NOT_READY;
    WskProviderCharacteristics.HighestVersion = PROVIDER_VERSION;
    WskProviderCharacteristics.LowestVersion = PROVIDER_VERSION;
    return STATUS_SUCCESS;
  });
}

/**
 * Deregisters. As on Windows it waits until every captured NPI is released and
 * every socket is closed; in TypeScript that wait is the returned promise.
 * Captures fail with STATUS_DEVICE_NOT_READY from the moment it is called, and
 * once it has returned every call on the client (WskSocket, WskControlClient,
 * the lookups) completes STATUS_DEVICE_NOT_READY. A block that was never
 * registered returns at once.
 *
 * @example Usage
 * ```ts
 * import { MAKE_WSK_VERSION, WSK_REGISTRATION, WskDeregister, WskRegister } from "@wskemu/wsk";
 *
 * const reg = new WSK_REGISTRATION();
 * WskRegister({ ClientContext: null, Dispatch: { Version: MAKE_WSK_VERSION(1, 0), Reserved: 0, WskClientEvent: null } }, reg);
 * await WskDeregister(reg);
 * ```
 */
export function WskDeregister(WskRegistration: WSK_REGISTRATION | null): Promise<void> {
  return guardCall("WskDeregister", () => {
    const client = registered(WskRegistration);
    if (!client || client.deregistered) return Promise.resolve();
    client.deregistering = true;
    for (const op of [...client.listChanges]) op.cancel();
    return client.whenIdle().then(() => {
      // The block keeps the client, marked gone, so that later calls say so.
      client.deregistered = true;
      liveClients.delete(client);
      WskRegistration!.ReservedRegistrationContext = null;
    });
  });
}

/**
 * WskRegister over another network than the real one: every socket and name
 * lookup of this registration goes through `transport`. Tests use it to put a
 * driver over the fault-injecting transport of `@wskemu/wsk/testing`; drivers
 * ported from C keep calling {@linkcode WskRegister}. A `transport` that lacks
 * one of its functions is STATUS_INVALID_PARAMETER, as any bad argument is.
 *
 * @example Register over the real transport, passed explicitly
 * ```ts
 * import {
 *   MAKE_WSK_VERSION, STATUS_SUCCESS, WSK_REGISTRATION, WskDeregister, wskRegisterWithTransport,
 * } from "@wskemu/wsk";
 * import { realTransport } from "@wskemu/wsk/transport";
 * import assert from "node:assert/strict";
 *
 * const WskRegistration = new WSK_REGISTRATION();
 * const Status = wskRegisterWithTransport(
 *   { ClientContext: null, Dispatch: { Version: MAKE_WSK_VERSION(1, 0), Reserved: 0, WskClientEvent: null } },
 *   WskRegistration,
 *   realTransport,
 * );
 * assert.equal(Status, STATUS_SUCCESS);
 * await WskDeregister(WskRegistration);
 * ```
 */
export function wskRegisterWithTransport(
  WskClientNpi: WSK_CLIENT_NPI | null,
  WskRegistration: WSK_REGISTRATION | null,
  transport: Transport,
): NTSTATUS {
  if (!isTransport(transport)) return STATUS_INVALID_PARAMETER;
  const status = WskRegister(WskClientNpi, WskRegistration);
  const client = registered(WskRegistration);
  if (status === STATUS_SUCCESS && client) client.transport = transport;
  return status;
}

function isTransport(value: Transport | null | undefined): value is Transport {
  return typeof value?.tcp?.connect === "function" && typeof value.tcp.listen === "function" &&
    typeof value.udp?.bind === "function" && typeof value.dns?.getAddressInfo === "function" &&
    typeof value.dns.getNameInfo === "function";
}
