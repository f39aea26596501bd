// Copyright 2026 the wskemu authors. MIT license.
/**
 * Which IPv4 destinations are broadcasts, so that a send to one without
 * SO_BROADCAST is refused with STATUS_ACCESS_DENIED (WSAEACCES), as Windows
 * refuses it. Deno's UDP socket has SO_BROADCAST always on and node:dgram's
 * refusal surfaces as an unnamed "UNKNOWN" error, so neither backend can leave
 * this to the kernel.
 *
 * What is detected: the limited broadcast 255.255.255.255; the broadcast of
 * loopback's 127.0.0.0/8 (127.255.255.255, always in Linux's local table);
 * and, when `--allow-sys=networkInterfaces` is granted, the directed
 * broadcast (all host bits set) of every IPv4 interface's subnet, read from
 * `Deno.networkInterfaces()` at most once a second. Without that permission
 * other subnets' broadcasts are not recognised: node:dgram still fails them
 * (with a status other than STATUS_ACCESS_DENIED), Deno's socket sends them.
 *
 * @module
 */
import type { Endpoint } from "./types.ts";

const LIMITED = 0xffffffff;
const LOOPBACK = 0x7fffffff;
/** How long the interfaces' broadcasts are trusted before they are read again, in ms. */
const REFRESH_MS = 1000;

let directed = new Set<number>([LOOPBACK]);
let readAt = -Infinity;

/** An IPv4 literal as a 32-bit number; NaN when it is not one (the caller checked the syntax). */
function ipv4Number(hostname: string): number {
  const parts = hostname.split(".");
  if (parts.length !== 4) return NaN;
  return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

/** The directed broadcasts of the local IPv4 subnets, refreshed when stale. */
function directedBroadcasts(): Set<number> {
  const now = performance.now();
  if (now - readAt < REFRESH_MS) return directed;
  readAt = now;
  const found = new Set<number>([LOOPBACK]);
  try {
    const sys: Deno.PermissionDescriptor = { name: "sys", kind: "networkInterfaces" };
    if (Deno.permissions.querySync(sys).state === "granted") {
      for (const { family, address, netmask } of Deno.networkInterfaces()) {
        if (family !== "IPv4") continue;
        const mask = ipv4Number(netmask);
        // /31 and /32 have no broadcast address (RFC 3021).
        if (mask >= 0xfffffffe) continue;
        found.add((ipv4Number(address) | ~mask) >>> 0);
      }
    }
  } catch {
    // No interfaces to read: loopback's broadcast is still known.
  }
  directed = found;
  return directed;
}

/**
 * Whether `to`, a checked IP literal, is an IPv4 broadcast address (also when
 * written v4-mapped, as a dual-stack socket may).
 */
export function isBroadcast(to: Endpoint): boolean {
  let hostname = to.hostname;
  if (to.family === 6) {
    if (!/^::ffff:\d/i.test(hostname)) return false;
    hostname = hostname.slice(7);
  }
  const address = ipv4Number(hostname);
  // Host bits all ones: an even address is no subnet's broadcast (cheap before the lookup).
  if (!(address % 2)) return false;
  return address === LIMITED || directedBroadcasts().has(address);
}
