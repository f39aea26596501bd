// Copyright 2026 the wskemu authors. MIT license.
// Internal: SOCKADDRs between C memory and wskemu's objects. Ports and IPv4
// addresses keep network byte order on both sides, as in C.
import { AF_INET, AF_INET6 } from "../../wsk/constants.ts";
import type { SOCKADDR } from "../../wsk/address.ts";
import type { CMemory } from "./_memory.ts";

/** The SOCKADDR at `address` as wskemu's object (null for NULL). */
export function readSockaddr(mem: CMemory, address: number): SOCKADDR | null {
  if (address === 0) return null;
  const family = mem.u16(address);
  if (family === AF_INET) {
    return {
      sin_family: AF_INET,
      sin_port: mem.u16(address + mem.off("SOCKADDR_IN.sin_port")),
      sin_addr: { s_addr: mem.u32(address + mem.off("SOCKADDR_IN.sin_addr")) },
      sin_zero: new Uint8Array(8),
    };
  }
  if (family === AF_INET6) {
    const at = address + mem.off("SOCKADDR_IN6.sin6_addr");
    return {
      sin6_family: AF_INET6,
      sin6_port: mem.u16(address + mem.off("SOCKADDR_IN6.sin6_port")),
      sin6_flowinfo: mem.u32(address + mem.off("SOCKADDR_IN6.sin6_flowinfo")),
      sin6_addr: { u: { Byte: mem.u8.slice(at, at + 16) } },
      sin6_scope_id: mem.u32(address + mem.off("SOCKADDR_IN6.sin6_scope_id")),
    };
  }
  return { sin_family: family };
}

/** Writes wskemu's SOCKADDR object into C memory; returns the bytes written. */
export function writeSockaddr(mem: CMemory, address: number, sa: SOCKADDR | null): number {
  if (address === 0 || sa === null) return 0;
  const s = sa as Record<string, unknown>;
  if (s.sin6_family === AF_INET6) {
    const size = mem.off("SOCKADDR_IN6");
    mem.u8.fill(0, address, address + size);
    mem.setU16(address, AF_INET6);
    mem.setU16(address + mem.off("SOCKADDR_IN6.sin6_port"), Number(s.sin6_port) & 0xffff);
    mem.setU32(address + mem.off("SOCKADDR_IN6.sin6_flowinfo"), Number(s.sin6_flowinfo ?? 0));
    const bytes = (s.sin6_addr as { u: { Byte: Uint8Array } }).u.Byte;
    mem.u8.set(bytes.subarray(0, 16), address + mem.off("SOCKADDR_IN6.sin6_addr"));
    mem.setU32(address + mem.off("SOCKADDR_IN6.sin6_scope_id"), Number(s.sin6_scope_id ?? 0));
    return size;
  }
  const size = mem.off("SOCKADDR_IN");
  mem.u8.fill(0, address, address + size);
  mem.setU16(address, Number(s.sin_family ?? AF_INET));
  mem.setU16(address + mem.off("SOCKADDR_IN.sin_port"), Number(s.sin_port ?? 0) & 0xffff);
  mem.setU32(
    address + mem.off("SOCKADDR_IN.sin_addr"),
    (s.sin_addr as { s_addr: number } | undefined)?.s_addr ?? 0,
  );
  return size;
}
