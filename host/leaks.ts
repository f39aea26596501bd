// Copyright 2026 the wskemu authors. MIT license.
// What a driver still holds when its DriverUnload returns: the unload report's
// lines, read from the I/O manager's and the WSK subsystem's books.
import { formatAddress, objectAddress } from "../irp/bugcheck.ts";
import type { DRIVER_OBJECT } from "../irp/device.ts";
import { type IRP, isIrpInFlight, outstandingIrps } from "../irp/irp.ts";
import { outstandingMdls } from "../irp/mdl.ts";
import { poolUsage } from "../irp/pool.ts";
import { openRegistryHandles } from "../irp/registry.ts";
import { symbolicLinks } from "../irp/symbolic_link.ts";
import { type ETHREAD, runningSystemThreads } from "../irp/system_thread.ts";
import { trackedIrps, trackedMdls, trackedPool } from "../irp/_tracking.ts";
import { liveClients, type WskClientState } from "../wsk/_client.ts";
import { liveAddressInfo } from "../wsk/_names_result.ts";
import type { LeakEntry } from "./driver_module.ts";

/** The books before DriverEntry, so only what this driver did is reported. */
export interface Baseline {
  irps: number;
  mdls: number;
  pool: Map<string, { allocations: number; bytes: number }>;
  clients: Set<WskClientState>;
  handles: Set<number>;
  links: Set<string>;
  threads: Set<ETHREAD>;
}

/** Takes the baseline. */
export function baseline(): Baseline {
  return {
    irps: outstandingIrps(),
    mdls: outstandingMdls(),
    pool: poolUsage(),
    clients: new Set(liveClients),
    handles: new Set(openRegistryHandles().map((h) => h.Handle)),
    links: new Set(symbolicLinks().map((l) => l.link)),
    threads: new Set(runningSystemThreads()),
  };
}

/** An IRP a driver still had in flight at unload: what 0xCE is about. */
export interface PendingAtUnload {
  Irp: IRP;
  site: string;
}

/** What collect() found. */
export interface Holdings {
  leaks: LeakEntry[];
  /** IRPs still in flight (a driver, or the provider, owns a stack location). */
  pending: PendingAtUnload[];
}

function irpLeaks(base: Baseline, tracking: boolean, out: Holdings): void {
  if (tracking) {
    for (const [Irp, site] of trackedIrps) {
      const inFlight = isIrpInFlight(Irp);
      if (inFlight) out.pending.push({ Irp, site });
      out.leaks.push({
        kind: "irp",
        description: `IRP ${formatAddress(objectAddress(Irp))} (${Irp.StackCount} stack ` +
          `location${Irp.StackCount === 1 ? "" : "s"}${inFlight ? ", still pending" : ""})`,
        site,
      });
    }
    return;
  }
  const count = outstandingIrps() - base.irps;
  if (count > 0) {
    out.leaks.push({
      kind: "irp",
      description: `${count} IRP${count === 1 ? "" : "s"} (turn on pool tracking for sites)`,
    });
  }
}

function mdlLeaks(base: Baseline, tracking: boolean, out: Holdings): void {
  if (tracking) {
    for (const [Mdl, site] of trackedMdls) {
      out.leaks.push({
        kind: "mdl",
        description: `MDL ${formatAddress(objectAddress(Mdl))} (${Mdl.ByteCount} bytes)`,
        site,
        size: Mdl.ByteCount,
      });
    }
    return;
  }
  const count = outstandingMdls() - base.mdls;
  if (count > 0) out.leaks.push({ kind: "mdl", description: `${count} MDL(s)` });
}

function poolLeaks(base: Baseline, tracking: boolean, out: Holdings): void {
  if (tracking) {
    for (const [, block] of trackedPool) {
      out.leaks.push({
        kind: "pool",
        description: `pool block '${block.tag}' ${block.size} bytes`,
        site: block.site,
        tag: block.tag,
        size: block.size,
      });
    }
    return;
  }
  for (const [tag, now] of poolUsage()) {
    const before = base.pool.get(tag) ?? { allocations: 0, bytes: 0 };
    const count = now.allocations - before.allocations;
    if (count > 0) {
      out.leaks.push({
        kind: "pool",
        description: `${count} pool block(s) '${tag}', ${now.bytes - before.bytes} bytes`,
        tag,
        size: now.bytes - before.bytes,
      });
    }
  }
}

function wskLeaks(base: Baseline, out: Holdings): void {
  for (const client of liveClients) {
    if (base.clients.has(client)) continue;
    for (const socket of client.sockets) {
      const s = socket as unknown as { closed: boolean; constructor: { name: string } };
      if (s.closed) continue;
      out.leaks.push({
        kind: "socket",
        description: `socket ${formatAddress(objectAddress(socket))} (${
          s.constructor.name.replace(/Socket$/, "").toLowerCase()
        }) not closed with WskCloseSocket`,
      });
    }
    if (client.captures > 0) {
      out.leaks.push({
        kind: "npi",
        description: `${client.captures} provider NPI capture(s) not released ` +
          "(WskReleaseProviderNPI)",
      });
    }
    const lists = liveAddressInfo(client);
    if (lists > 0) {
      out.leaks.push({
        kind: "addrinfo",
        description: `${lists} WskGetAddressInfo result list(s) not freed (WskFreeAddressInfo)`,
      });
    }
    out.leaks.push({
      kind: "other",
      description: "WSK registration not deregistered (WskDeregister)",
    });
  }
}

function objectLeaks(base: Baseline, DriverObject: DRIVER_OBJECT, out: Holdings): void {
  for (let device = DriverObject.DeviceObject; device !== null; device = device.NextDevice) {
    out.leaks.push({
      kind: "other",
      description: `device object ${formatAddress(objectAddress(device))} not deleted ` +
        "(IoDeleteDevice)",
    });
  }
  for (const { link, device } of symbolicLinks()) {
    if (base.links.has(link)) continue;
    out.leaks.push({
      kind: "other",
      description: `symbolic link ${link} -> ${device} not deleted (IoDeleteSymbolicLink)`,
    });
  }
  for (const thread of runningSystemThreads()) {
    if (base.threads.has(thread)) continue;
    out.leaks.push({
      kind: "thread",
      description: `system thread ${thread.StartRoutineName} still running`,
      site: thread.site ?? undefined,
    });
  }
  for (const { Handle, path } of openRegistryHandles()) {
    if (base.handles.has(Handle)) continue;
    out.leaks.push({
      kind: "other",
      description: `registry handle ${formatAddress(Handle)} on ${path} not closed (ZwClose)`,
    });
  }
}

/**
 * Everything the driver still holds, compared with `base`. With pool
 * tracking (`tracking`), IRPs, MDLs and pool are what the driver allocated,
 * each with its site; without, they are counts, which include what the WSK
 * provider holds for itself.
 */
export function collect(base: Baseline, tracking: boolean, DriverObject: DRIVER_OBJECT): Holdings {
  const out: Holdings = { leaks: [], pending: [] };
  irpLeaks(base, tracking, out);
  mdlLeaks(base, tracking, out);
  poolLeaks(base, tracking, out);
  wskLeaks(base, out);
  objectLeaks(base, DriverObject, out);
  return out;
}
