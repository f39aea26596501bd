// Copyright 2026 the wskemu authors. MIT license.
/**
 * Name resolution: WskGetAddressInfo, WskFreeAddressInfo and WskGetNameInfo,
 * through the system resolver (so `/etc/hosts` and `localhost` work offline).
 *
 * Both lookups take an IRP and complete it from the completion queue, never
 * inside the call; they return STATUS_PENDING. A NULL IRP returns
 * STATUS_INVALID_PARAMETER and an invalid client STATUS_INVALID_HANDLE, both
 * without touching the IRP. Every other failure completes the IRP. As observed
 * on Windows 8 and later, a name that cannot be resolved completes
 * STATUS_NOT_FOUND (the documentation and Windows 7 say STATUS_NO_MATCH), and
 * `IoStatus.Information` is 0 on success and failure alike. A lookup in
 * progress delays WskDeregister until it completes; IoCancelIrp ends it with
 * STATUS_CANCELLED.
 *
 * The guide's "Resolving Host Names and IP Addresses" sample, ported:
 *
 * ```ts
 * import {
 *   type ADDRINFOEXW, AF_INET, IoAllocateIrp, IoFreeIrp, IoSetCompletionRoutine, KEVENT,
 *   KeInitializeEvent, KeSetEvent, KeWaitForSingleObject, MAKE_WSK_VERSION, NS_ALL,
 *   RtlInitUnicodeString, type SOCKADDR_IN, STATUS_MORE_PROCESSING_REQUIRED, STATUS_SUCCESS,
 *   SynchronizationEvent, type UNICODE_STRING, WSK_INFINITE_WAIT, WSK_PROVIDER_NPI,
 *   WSK_REGISTRATION, WskCaptureProviderNPI, WskDeregister, WskRegister, WskReleaseProviderNPI,
 *   ntohs,
 * } from "@wskemu/wsk";
 * import assert from "node:assert/strict";
 *
 * const Registration = new WSK_REGISTRATION();
 * WskRegister({ ClientContext: null, Dispatch: { Version: MAKE_WSK_VERSION(1, 0), Reserved: 0, WskClientEvent: null } }, Registration);
 * const WskProviderNpi = new WSK_PROVIDER_NPI();
 * WskCaptureProviderNPI(Registration, WSK_INFINITE_WAIT, WskProviderNpi);
 *
 * const NodeName = {} as UNICODE_STRING, ServiceName = {} as UNICODE_STRING;
 * RtlInitUnicodeString(NodeName, "localhost");
 * RtlInitUnicodeString(ServiceName, "http");
 * const CompletionEvent = new KEVENT();
 * KeInitializeEvent(CompletionEvent, SynchronizationEvent, false);
 * const Irp = IoAllocateIrp(1, false)!;
 * IoSetCompletionRoutine(Irp, (_D, _I, Context) => {
 *   KeSetEvent(Context as KEVENT, 2, false);
 *   return STATUS_MORE_PROCESSING_REQUIRED;
 * }, CompletionEvent, true, true, true);
 * const Results = { value: null as ADDRINFOEXW | null };
 * WskProviderNpi.Dispatch!.WskGetAddressInfo(WskProviderNpi.Client, NodeName, ServiceName, NS_ALL,
 *   null, { ai_family: AF_INET }, Results, null, null, Irp);
 * await KeWaitForSingleObject(CompletionEvent, 0, 0, false, null);
 * assert.equal(Irp.IoStatus.Status, STATUS_SUCCESS);
 * IoFreeIrp(Irp);
 * for (let Entry = Results.value; Entry; Entry = Entry.ai_next) {
 *   assert.equal(ntohs((Entry.ai_addr as SOCKADDR_IN).sin_port), 80);
 * }
 * WskProviderNpi.Dispatch!.WskFreeAddressInfo(WskProviderNpi.Client, Results.value);
 *
 * WskReleaseProviderNPI(Registration);
 * await WskDeregister(Registration);
 * ```
 *
 * @module
 */
import type { IRP } from "../irp/irp.ts";
import {
  type NTSTATUS,
  STATUS_ACCESS_VIOLATION,
  STATUS_INVALID_PARAMETER,
  STATUS_NOT_FOUND,
  STATUS_SUCCESS,
} from "../irp/ntstatus.ts";
import { clientCall, clientOf } from "./_client.ts";
import { deferredWrite } from "./_guard.ts";
import { failIrp } from "./_irp.ts";
import { lookupOnIrp } from "./_names_lookup.ts";
import { nameQuery, writeNames } from "./_names_nameinfo.ts";
import { addressQuery } from "./_names_query.ts";
import {
  addrInfoChain,
  applyV4Mapped,
  freeAddressInfo,
  liveAddressInfo,
  recordAddressInfo,
} from "./_names_result.ts";
import type { SOCKADDR } from "./address.ts";
import type { Box } from "./dispatch_types.ts";
import type { ADDRINFOEXW, UNICODE_STRING, WSK_CLIENT } from "./structures.ts";

/**
 * `WskGetAddressInfo`: resolves a node name and/or service name to transport
 * addresses. When the IRP completes with STATUS_SUCCESS, `Result.value` is an
 * `ADDRINFOEXW` list (free it with {@linkcode WskFreeAddressInfo}); on failure
 * it is null.
 *
 * Each entry has `ai_family` AF_INET or AF_INET6, `ai_addr` a SOCKADDR_IN
 * (`ai_addrlen` 16) or SOCKADDR_IN6 (28) whose port is the service's (0 with
 * no service), and the hints' `ai_socktype` and `ai_protocol`: like Windows,
 * and unlike glibc, one entry per address, not one per socket type. With
 * AI_CANONNAME (or AI_FQDN) the first entry has `ai_canonname`.
 *
 * Hints honoured: `ai_family` (AF_UNSPEC, AF_INET, AF_INET6), `ai_socktype`
 * and `ai_protocol` (a service name is looked up for UDP with SOCK_DGRAM or
 * IPPROTO_UDP, else TCP), and `ai_flags` AI_PASSIVE (a null node gives the
 * wildcard instead of loopback), AI_CANONNAME, AI_FQDN, AI_NUMERICHOST,
 * AI_NUMERICSERV, AI_V4MAPPED and AI_ALL; other AI_* bits are ignored.
 *
 * Statuses: STATUS_NOT_FOUND for an unknown name or service (Information 0);
 * STATUS_INVALID_PARAMETER when both names are null or empty, for a NameSpace
 * other than NS_ALL or NS_DNS, a Provider GUID (none is emulated), a null
 * `Result`, an OwningThread without OwningProcess, hints with ai_addrlen,
 * ai_canonname, ai_addr or ai_next set, or AI_CANONNAME with AI_FQDN or with
 * no node; STATUS_NOT_SUPPORTED for an unknown `ai_family` or `ai_socktype`;
 * STATUS_ACCESS_DENIED when Deno's net permission is denied.
 *
 * @param Client The client from WskCaptureProviderNPI.
 * @param NodeName The host name or numeric address, or null.
 * @param ServiceName The service name or port number, or null.
 * @param NameSpace NS_ALL or NS_DNS.
 * @param Provider A name-space provider GUID; must be null.
 * @param Hints The ai_family, ai_socktype, ai_protocol and ai_flags to apply, or null.
 * @param Result Receives the list when the IRP completes.
 * @param OwningProcess Ignored (no process context is emulated).
 * @param OwningThread Ignored; must be null when OwningProcess is.
 * @param Irp The IRP to complete.
 * @returns STATUS_PENDING, or STATUS_INVALID_PARAMETER / STATUS_INVALID_HANDLE without touching the IRP.
 *
 * @example Resolve 127.0.0.1 and service 12345
 * ```ts
 * import {
 *   type ADDRINFOEXW, AF_INET, IoAllocateIrp, IoFreeIrp, IoSetCompletionRoutine,
 *   MAKE_WSK_VERSION, NS_ALL, RtlInitUnicodeString, type SOCKADDR_IN, STATUS_MORE_PROCESSING_REQUIRED,
 *   STATUS_PENDING, STATUS_SUCCESS, type UNICODE_STRING, WSK_NO_WAIT, WSK_PROVIDER_NPI,
 *   WSK_REGISTRATION, WskCaptureProviderNPI, WskDeregister, WskFreeAddressInfo, WskGetAddressInfo,
 *   WskRegister, WskReleaseProviderNPI, ntohs,
 * } from "@wskemu/wsk";
 * import assert from "node:assert/strict";
 *
 * const reg = new WSK_REGISTRATION();
 * WskRegister({ ClientContext: null, Dispatch: { Version: MAKE_WSK_VERSION(1, 0), Reserved: 0, WskClientEvent: null } }, reg);
 * const npi = new WSK_PROVIDER_NPI();
 * WskCaptureProviderNPI(reg, WSK_NO_WAIT, npi);
 *
 * const node = {} as UNICODE_STRING, service = {} as UNICODE_STRING;
 * RtlInitUnicodeString(node, "127.0.0.1");
 * RtlInitUnicodeString(service, "12345");
 * const Result = { value: null as ADDRINFOEXW | null };
 * const Irp = IoAllocateIrp(1, false)!;
 * const completed = Promise.withResolvers<void>();
 * IoSetCompletionRoutine(Irp, () => {
 *   completed.resolve();
 *   return STATUS_MORE_PROCESSING_REQUIRED;
 * }, null, true, true, true);
 * assert.equal(WskGetAddressInfo(npi.Client, node, service, NS_ALL, null, null, Result, null, null, Irp), STATUS_PENDING);
 * await completed.promise;
 * assert.equal(Irp.IoStatus.Status, STATUS_SUCCESS);
 * assert.equal(Irp.IoStatus.Information, 0);
 * const first = Result.value!;
 * assert.equal(first.ai_family, AF_INET);
 * assert.equal(first.ai_addrlen, 16);
 * assert.equal(ntohs((first.ai_addr as SOCKADDR_IN).sin_port), 12345);
 * WskFreeAddressInfo(npi.Client, first);
 * IoFreeIrp(Irp);
 * WskReleaseProviderNPI(reg);
 * await WskDeregister(reg);
 * ```
 */
export function WskGetAddressInfo(
  Client: WSK_CLIENT | null,
  NodeName: UNICODE_STRING | null,
  ServiceName: UNICODE_STRING | null,
  NameSpace: number,
  Provider: unknown,
  Hints: Partial<ADDRINFOEXW> | null,
  Result: Box<ADDRINFOEXW | null>,
  OwningProcess: unknown,
  OwningThread: unknown,
  Irp: IRP | null,
): NTSTATUS {
  return clientCall(Client, Irp, (client, Irp) => {
    if (!Result || typeof Result !== "object" || (OwningThread && !OwningProcess)) {
      return failIrp(Irp, STATUS_INVALID_PARAMETER);
    }
    const query = addressQuery(NodeName, ServiceName, NameSpace, Provider, Hints);
    if (typeof query === "number") {
      Result.value = null;
      return failIrp(Irp, query);
    }
    return lookupOnIrp(client, Irp, async (cancelled) => {
      const found = await client.transport.dns.getAddressInfo(
        query.node,
        query.service,
        query.hints,
      );
      if (cancelled()) return found.status;
      const head = found.value ? addrInfoChain(applyV4Mapped(found.value, query), query) : null;
      if (!deferredWrite("WskGetAddressInfo", () => Result.value = head)) {
        return STATUS_ACCESS_VIOLATION;
      }
      if (!head) return found.status === STATUS_SUCCESS ? STATUS_NOT_FOUND : found.status;
      recordAddressInfo(client, head);
      return STATUS_SUCCESS;
    });
  });
}

/**
 * `WskFreeAddressInfo`: gives back a list WskGetAddressInfo returned. NULL
 * does nothing. As on Windows, freeing a list twice, or freeing anything but
 * the head of a returned list, is a driver bug: it bug checks BAD_POOL_CALLER
 * (0xC2), P1 = 0x07 for the second free and 0x43 for a foreign pointer.
 * {@linkcode outstandingAddressInfo} counts the lists a client has not freed.
 *
 * @param Client The client the list was returned to.
 * @param AddrInfo The head of the list, or null.
 *
 * @example A second free bug checks
 * ```ts
 * import {
 *   type ADDRINFOEXW, BugCheckError, IoAllocateIrp, IoFreeIrp, IoSetCompletionRoutine,
 *   MAKE_WSK_VERSION, NS_ALL, RtlInitUnicodeString, STATUS_MORE_PROCESSING_REQUIRED,
 *   type UNICODE_STRING, WSK_NO_WAIT, WSK_PROVIDER_NPI, WSK_REGISTRATION, WskCaptureProviderNPI,
 *   WskDeregister, WskFreeAddressInfo, WskGetAddressInfo, WskRegister, WskReleaseProviderNPI,
 *   outstandingAddressInfo,
 * } from "@wskemu/wsk";
 * import assert from "node:assert/strict";
 *
 * const reg = new WSK_REGISTRATION();
 * WskRegister({ ClientContext: null, Dispatch: { Version: MAKE_WSK_VERSION(1, 0), Reserved: 0, WskClientEvent: null } }, reg);
 * const npi = new WSK_PROVIDER_NPI();
 * WskCaptureProviderNPI(reg, WSK_NO_WAIT, npi);
 * const node = {} as UNICODE_STRING;
 * RtlInitUnicodeString(node, "::1");
 * const Result = { value: null as ADDRINFOEXW | null };
 * const Irp = IoAllocateIrp(1, false)!;
 * const completed = Promise.withResolvers<void>();
 * IoSetCompletionRoutine(Irp, () => {
 *   completed.resolve();
 *   return STATUS_MORE_PROCESSING_REQUIRED;
 * }, null, true, true, true);
 * WskGetAddressInfo(npi.Client, node, null, NS_ALL, null, null, Result, null, null, Irp);
 * await completed.promise;
 * IoFreeIrp(Irp);
 * assert.equal(outstandingAddressInfo(npi.Client), 1);
 * WskFreeAddressInfo(npi.Client, Result.value);
 * assert.equal(outstandingAddressInfo(npi.Client), 0);
 * assert.throws(
 *   () => WskFreeAddressInfo(npi.Client, Result.value),
 *   (e) => e instanceof BugCheckError && e.BugCheckCode === 0xC2 && e.BugCheckParameters[0] === 0x07,
 * );
 * WskReleaseProviderNPI(reg);
 * await WskDeregister(reg);
 * ```
 */
export function WskFreeAddressInfo(Client: WSK_CLIENT | null, AddrInfo: ADDRINFOEXW | null): void {
  // The list is freed whoever passes it, as the memory is; the client is not consulted.
  void Client;
  freeAddressInfo(AddrInfo);
}

/**
 * The number of WskGetAddressInfo results `Client` holds and has not given
 * back with WskFreeAddressInfo: what a leak check reports. 0 for anything
 * that is not a client.
 *
 * @param Client The client from WskCaptureProviderNPI.
 * @returns The count of unfreed result lists.
 *
 * @example Nothing outstanding for a new client
 * ```ts
 * import {
 *   MAKE_WSK_VERSION, WSK_NO_WAIT, WSK_PROVIDER_NPI, WSK_REGISTRATION, WskCaptureProviderNPI,
 *   WskDeregister, WskRegister, WskReleaseProviderNPI, outstandingAddressInfo,
 * } from "@wskemu/wsk";
 * import assert from "node:assert/strict";
 *
 * const reg = new WSK_REGISTRATION();
 * WskRegister({ ClientContext: null, Dispatch: { Version: MAKE_WSK_VERSION(1, 0), Reserved: 0, WskClientEvent: null } }, reg);
 * const npi = new WSK_PROVIDER_NPI();
 * WskCaptureProviderNPI(reg, WSK_NO_WAIT, npi);
 * assert.equal(outstandingAddressInfo(npi.Client), 0);
 * WskReleaseProviderNPI(reg);
 * await WskDeregister(reg);
 * ```
 */
export function outstandingAddressInfo(Client: WSK_CLIENT | null): number {
  const client = clientOf(Client);
  return client ? liveAddressInfo(client) : 0;
}

/**
 * `WskGetNameInfo`: the host and service names of a SOCKADDR. When the IRP
 * completes with STATUS_SUCCESS, `NodeName` and `ServiceName` (either may be
 * null, not both) have their `Buffer` set and `Length` = 2 bytes a character;
 * `MaximumLength` (bytes, set by the caller, e.g. `NI_MAXHOST * 2`) must hold
 * the text and a NUL, else the IRP completes STATUS_BUFFER_TOO_SMALL and
 * neither string is written. Information is 0.
 *
 * Flags: NI_NUMERICHOST (the address as text), NI_NUMERICSERV (the port as
 * text), NI_NAMEREQD (STATUS_NOT_FOUND when the address has no name; without
 * it the numeric address is returned), NI_DGRAM (the UDP service name),
 * NI_NOFQDN (a host name without its domain). A service with no name is
 * returned as its number.
 *
 * STATUS_INVALID_PARAMETER when both strings are null, for a SOCKADDR that is
 * not a valid AF_INET or AF_INET6 address, a SockAddrLength below its size (16
 * or 28) or above sizeof(SOCKADDR_STORAGE) (128), or unknown flags.
 *
 * @param Client The client from WskCaptureProviderNPI.
 * @param SockAddr The address to look up.
 * @param SockAddrLength Its size in bytes.
 * @param NodeName Receives the host name, or null.
 * @param ServiceName Receives the service name, or null.
 * @param Flags NI_* flags.
 * @param OwningProcess Ignored.
 * @param OwningThread Ignored; must be null when OwningProcess is.
 * @param Irp The IRP to complete.
 * @returns STATUS_PENDING, or STATUS_INVALID_PARAMETER / STATUS_INVALID_HANDLE without touching the IRP.
 *
 * @example 127.0.0.1:80 as numbers, and by name
 * ```ts
 * import {
 *   IoAllocateIrp, IoFreeIrp, IoSetCompletionRoutine, MAKE_WSK_VERSION, NI_MAXHOST, NI_MAXSERV,
 *   NI_NUMERICHOST, NI_NUMERICSERV, STATUS_MORE_PROCESSING_REQUIRED, STATUS_SUCCESS,
 *   type UNICODE_STRING, WSK_NO_WAIT, WSK_PROVIDER_NPI, WSK_REGISTRATION, WskCaptureProviderNPI,
 *   WskDeregister, WskGetNameInfo, WskRegister, WskReleaseProviderNPI, sockaddr,
 * } from "@wskemu/wsk";
 * import assert from "node:assert/strict";
 *
 * const reg = new WSK_REGISTRATION();
 * WskRegister({ ClientContext: null, Dispatch: { Version: MAKE_WSK_VERSION(1, 0), Reserved: 0, WskClientEvent: null } }, reg);
 * const npi = new WSK_PROVIDER_NPI();
 * WskCaptureProviderNPI(reg, WSK_NO_WAIT, npi);
 *
 * async function nameInfo(Flags: number): Promise<[string, string]> {
 *   const NodeName: UNICODE_STRING = { Length: 0, MaximumLength: NI_MAXHOST * 2, Buffer: "" };
 *   const ServiceName: UNICODE_STRING = { Length: 0, MaximumLength: NI_MAXSERV * 2, Buffer: "" };
 *   const Irp = IoAllocateIrp(1, false)!;
 *   const completed = Promise.withResolvers<void>();
 *   IoSetCompletionRoutine(Irp, () => {
 *     completed.resolve();
 *     return STATUS_MORE_PROCESSING_REQUIRED;
 *   }, null, true, true, true);
 *   WskGetNameInfo(npi.Client, sockaddr("127.0.0.1", 80)!, 16, NodeName, ServiceName, Flags, null, null, Irp);
 *   await completed.promise;
 *   assert.equal(Irp.IoStatus.Status, STATUS_SUCCESS);
 *   IoFreeIrp(Irp);
 *   return [NodeName.Buffer, ServiceName.Buffer];
 * }
 * assert.deepEqual(await nameInfo(NI_NUMERICHOST | NI_NUMERICSERV), ["127.0.0.1", "80"]);
 * assert.deepEqual(await nameInfo(0), ["localhost", "http"]);
 * WskReleaseProviderNPI(reg);
 * await WskDeregister(reg);
 * ```
 */
export function WskGetNameInfo(
  Client: WSK_CLIENT | null,
  SockAddr: SOCKADDR,
  SockAddrLength: number,
  NodeName: UNICODE_STRING | null,
  ServiceName: UNICODE_STRING | null,
  Flags: number,
  OwningProcess: unknown,
  OwningThread: unknown,
  Irp: IRP | null,
): NTSTATUS {
  return clientCall(Client, Irp, (client, Irp) => {
    if (OwningThread && !OwningProcess) return failIrp(Irp, STATUS_INVALID_PARAMETER);
    const query = nameQuery(SockAddr, SockAddrLength, NodeName, ServiceName, Flags);
    if (typeof query === "number") return failIrp(Irp, query);
    return lookupOnIrp(client, Irp, async (cancelled) => {
      const found = await client.transport.dns.getNameInfo(query.endpoint, query.flags);
      if (cancelled() || !found.value) return found.status;
      const { host, service } = found.value;
      let status = STATUS_ACCESS_VIOLATION;
      deferredWrite("WskGetNameInfo", () => {
        status = writeNames(NodeName, ServiceName, host, service, query.noFqdn);
      });
      return status;
    });
  });
}
