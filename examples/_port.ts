// Copyright 2026 the wskemu authors. MIT license.
import {
  htons,
  type NTSTATUS,
  REG_NONE,
  RTL_QUERY_REGISTRY_DIRECT,
  type RTL_QUERY_REGISTRY_TABLE,
  RTL_REGISTRY_ABSOLUTE,
  RtlQueryRegistryValues,
  type SOCKADDR,
  type UNICODE_STRING,
} from "../mod.ts";

/** Sets the port (host order) of a SOCKADDR_IN or SOCKADDR_IN6 in place. */
export function fillSockaddrPort(address: SOCKADDR, port: number): void {
  if ("sin_port" in address) address.sin_port = htons(port);
  if ("sin6_port" in address) address.sin6_port = htons(port);
}

/**
 * Reads DWORD values of the driver's `Parameters` key with
 * RtlQueryRegistryValues, as a Windows driver reads its configuration: each
 * of `Values` keeps its value when the registry has none. Returns the status.
 */
export function readParameters(
  RegistryPath: UNICODE_STRING,
  Values: Record<string, { value: number }>,
): NTSTATUS {
  const QueryTable: RTL_QUERY_REGISTRY_TABLE[] = Object.entries(Values).map(([Name, Box]) => ({
    QueryRoutine: null,
    Flags: RTL_QUERY_REGISTRY_DIRECT,
    Name,
    EntryContext: Box,
    DefaultType: REG_NONE,
    DefaultData: null,
    DefaultLength: 0,
  }));
  const Parameters = `${RegistryPath.Buffer}\\Parameters`;
  return RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, Parameters, QueryTable, null, null);
}
