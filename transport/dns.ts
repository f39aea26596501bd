// Copyright 2026 the wskemu authors. MIT license.
/**
 * Name resolution for WskGetAddressInfo and WskGetNameInfo, through the
 * system resolver (getaddrinfo/getnameinfo by way of node:dns), so /etc/hosts
 * and `localhost` work with no name server. `Deno.resolveDns` is not used: it
 * is a DNS client of its own that ignores /etc/hosts and needs a name server.
 *
 * Deno asks for net permission for a lookup of a name (not for an IP literal);
 * a denial is STATUS_ACCESS_DENIED. Service names come from the system's
 * services file when readable (--allow-read), else from a built-in table of
 * well-known ports.
 *
 * @module
 */
import { lookup, lookupService } from "node:dns";
import { isIP } from "node:net";
import {
  type NTSTATUS,
  STATUS_INVALID_PARAMETER,
  STATUS_NOT_FOUND,
  STATUS_SUCCESS,
} from "../irp/ntstatus.ts";
import type {
  Endpoint,
  NameInfoFlags,
  NameResolver,
  ResolvedAddress,
  ResolveHints,
  Result,
} from "./types.ts";
import { type ServiceProtocol, systemServices } from "./_dns_services.ts";
import { statusFromLookupError } from "./_dns_status.ts";

// Re-exported so this module documents on its own; mod.ts exports the same bindings.
export type {
  Endpoint,
  NameInfoFlags,
  NameResolver,
  ResolvedAddress,
  ResolveHints,
  Result,
} from "./types.ts";
export type { NTSTATUS } from "../irp/ntstatus.ts";

/**
 * The system resolver behind the {@linkcode NameResolver} contract. Nothing
 * throws; every failure is a status:
 *
 * - `getAddressInfo`: a node that cannot be resolved, a non-literal node with
 *   `numericHost`, a literal of another family than `hints.family`, or an
 *   unknown service name (also a non-numeric one with `numericService`) give
 *   STATUS_NOT_FOUND (Windows 8+; Windows' own getaddrinfo says
 *   WSAHOST_NOT_FOUND, or WSATYPE_NOT_FOUND for the service). Both node and
 *   service null or empty, a port above 65535 or a bad family give
 *   STATUS_INVALID_PARAMETER. A null node gives loopback (`passive`: the
 *   wildcard), IPv6 first. A numeric service is the port; a name is looked up
 *   for `hints.protocol` (unspecified: TCP, else UDP, as getaddrinfo does with
 *   no socket type). Addresses come once each, in the resolver's order; with
 *   `canonicalName`, the first carries the node's name (the resolver does not
 *   report a better one).
 * - `getNameInfo`: the host name via getnameinfo, or the literal when there
 *   is none (STATUS_NOT_FOUND instead with `nameRequired`); the service name
 *   for the port (UDP with `datagram`), or the port as text when it has none.
 *
 * @example Resolve localhost and an IPv4 literal, and reverse 127.0.0.1
 * ```ts
 * import { nameResolver } from "@wskemu/wsk/transport";
 * import assert from "node:assert/strict";
 *
 * const local = await nameResolver.getAddressInfo("localhost", "http", { family: 4 });
 * assert.equal(local.status, 0);
 * assert.deepEqual(local.value![0].endpoint, { hostname: "127.0.0.1", port: 80, family: 4 });
 *
 * const literal = await nameResolver.getAddressInfo("127.0.0.1", "12345", { family: 0 });
 * assert.equal(literal.value![0].endpoint.port, 12345);
 *
 * const numeric = await nameResolver.getNameInfo(
 *   { hostname: "127.0.0.1", port: 80, family: 4 },
 *   { numericHost: true, numericService: true },
 * );
 * assert.deepEqual(numeric.value, { host: "127.0.0.1", service: "80" });
 * ```
 */
export const nameResolver: NameResolver = { getAddressInfo, getNameInfo };

type Family = 4 | 6;

function failure<T>(status: NTSTATUS): Result<T> {
  return { status, value: null };
}

function success<T>(value: T): Result<T> {
  return { status: STATUS_SUCCESS, value };
}

function isPort(port: number): boolean {
  return Number.isInteger(port) && port >= 0 && port <= 0xffff;
}

async function getAddressInfo(
  node: string | null,
  service: string | null,
  hints: ResolveHints,
): Promise<Result<ResolvedAddress[]>> {
  // Empty strings count as absent, as getaddrinfo's callers pass them.
  const host = node || null;
  const serviceName = service || null;
  if (host === null && serviceName === null) return failure(STATUS_INVALID_PARAMETER);
  if (hints.family !== 0 && hints.family !== 4 && hints.family !== 6) {
    return failure(STATUS_INVALID_PARAMETER);
  }
  const port = await servicePort(serviceName, hints);
  if (port.status !== STATUS_SUCCESS) return failure(port.status);
  const addresses = await hostAddresses(host, hints);
  if (addresses.status !== STATUS_SUCCESS) return failure(addresses.status);
  return success(addresses.value!.map(({ address, family }, index) => {
    const resolved: ResolvedAddress = {
      endpoint: { hostname: address, port: port.value!, family },
    };
    // getaddrinfo puts ai_canonname on the first entry only.
    if (index === 0 && hints.canonicalName && host !== null) resolved.canonicalName = host;
    return resolved;
  }));
}

async function servicePort(service: string | null, hints: ResolveHints): Promise<Result<number>> {
  if (service === null) return success(0);
  if (/^\d+$/.test(service)) {
    const port = Number(service);
    return port <= 0xffff ? success(port) : failure(STATUS_INVALID_PARAMETER);
  }
  if (hints.numericService) return failure(STATUS_NOT_FOUND);
  const services = await systemServices();
  const protocols: ServiceProtocol[] = hints.protocol ? [hints.protocol] : ["tcp", "udp"];
  for (const protocol of protocols) {
    const port = services.port(service, protocol);
    if (port !== undefined) return success(port);
  }
  return failure(STATUS_NOT_FOUND);
}

interface Address {
  address: string;
  family: Family;
}

async function hostAddresses(host: string | null, hints: ResolveHints): Promise<Result<Address[]>> {
  const wanted = hints.family;
  if (host === null) {
    // RFC 6724 ranks ::1 above 127.0.0.1, so IPv6 comes first, as getaddrinfo sorts it.
    const v6: Address = { address: hints.passive ? "::" : "::1", family: 6 };
    const v4: Address = { address: hints.passive ? "0.0.0.0" : "127.0.0.1", family: 4 };
    return success(wanted === 4 ? [v4] : wanted === 6 ? [v6] : [v6, v4]);
  }
  const literal = isIP(host);
  if (literal !== 0) {
    // No lookup for a literal (and node:dns would ignore the family for one).
    if (wanted !== 0 && wanted !== literal) return failure(STATUS_NOT_FOUND);
    return success([{ address: host, family: literal as Family }]);
  }
  if (hints.numericHost) return failure(STATUS_NOT_FOUND);
  const found = await systemLookup(host, wanted);
  if (found.status !== STATUS_SUCCESS) return found;
  // getaddrinfo lists an address once per socket type; keep each once.
  const seen = new Set<string>();
  const unique = found.value!.filter(({ address, family }) => {
    const key = `${family}/${address}`;
    if ((wanted !== 0 && family !== wanted) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.length > 0 ? success(unique) : failure(STATUS_NOT_FOUND);
}

function systemLookup(host: string, family: 0 | 4 | 6): Promise<Result<Address[]>> {
  return new Promise((resolve) => {
    try {
      lookup(host, { all: true, family }, (error, addresses) => {
        if (error) return resolve(failure(statusFromLookupError(error)));
        resolve(success(addresses.map(({ address, family }) => ({
          address,
          family: (family === 6 ? 6 : 4) as Family,
        }))));
      });
    } catch (error) {
      // node:dns validates arguments synchronously.
      resolve(failure(statusFromLookupError(error)));
    }
  });
}

async function getNameInfo(
  endpoint: Endpoint,
  flags: NameInfoFlags,
): Promise<Result<{ host: string; service: string }>> {
  const { hostname, port } = endpoint;
  if (isIP(hostname) === 0 || !isPort(port)) return failure(STATUS_INVALID_PARAMETER);
  let service = String(port);
  if (!flags.numericService) {
    const services = await systemServices();
    service = services.name(port, flags.datagram ? "udp" : "tcp") ?? service;
  }
  if (flags.numericHost) return success({ host: hostname, service });
  const named = await systemHostName(hostname, port);
  if (named.status === STATUS_SUCCESS) return success({ host: named.value!, service });
  // getnameinfo falls back to the literal unless NI_NAMEREQD; other failures
  // (a denied permission) are reported as they are.
  if (named.status === STATUS_NOT_FOUND && !flags.nameRequired) {
    return success({ host: hostname, service });
  }
  return failure(named.status);
}

function systemHostName(address: string, port: number): Promise<Result<string>> {
  return new Promise((resolve) => {
    try {
      lookupService(address, port, (error, host) => {
        if (error) return resolve(failure(statusFromLookupError(error)));
        resolve(host ? success(host) : failure(STATUS_NOT_FOUND));
      });
    } catch (error) {
      resolve(failure(statusFromLookupError(error)));
    }
  });
}
