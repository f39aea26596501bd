// Copyright 2026 the wskemu authors. MIT license.
/**
 * Symbolic links in the object namespace: IoCreateSymbolicLink makes a
 * `\DosDevices\NAME` (or `\??\NAME`) link to a device's `\Device\...` name,
 * which is how an application's `CreateFile("\\\\.\\NAME")` finds the device.
 *
 * @module
 */
import { type DEVICE_OBJECT, lookupDevice } from "./device.ts";
import {
  type NTSTATUS,
  STATUS_INVALID_PARAMETER,
  STATUS_OBJECT_NAME_COLLISION,
  STATUS_OBJECT_NAME_NOT_FOUND,
  STATUS_SUCCESS,
} from "./ntstatus.ts";
import { requirePassiveLevel } from "./verifier.ts";

const links = new Map<string, string>();

// `\DosDevices\X`, `\??\X`, `\GLOBAL??\X` and `\DosDevices\Global\X` all name
// the same link in the (single-session) global namespace.
function linkKey(name: string): string {
  return name.replace(/^\\(DosDevices\\Global|DosDevices|GLOBAL\?\?|\?\?)\\/i, "").toLowerCase();
}

/**
 * `IoCreateSymbolicLink`: makes `SymbolicLinkName` (e.g. `\DosDevices\Echo`)
 * point at `DeviceName` (e.g. `\Device\Echo`). STATUS_OBJECT_NAME_COLLISION
 * when the link exists. With IRQL checking, a call above PASSIVE_LEVEL is bug
 * check 0xC4 / 0x2000C (IrqlIoPassive3).
 *
 * @example Usage
 * ```ts
 * import { IoCreateSymbolicLink, IoDeleteSymbolicLink, STATUS_OBJECT_NAME_COLLISION, STATUS_SUCCESS } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const Link = { Length: 0, MaximumLength: 0, Buffer: "\\DosDevices\\Example" };
 * const Device = { Length: 0, MaximumLength: 0, Buffer: "\\Device\\Example" };
 * assert.equal(IoCreateSymbolicLink(Link, Device), STATUS_SUCCESS);
 * assert.equal(IoCreateSymbolicLink(Link, Device), STATUS_OBJECT_NAME_COLLISION);
 * assert.equal(IoDeleteSymbolicLink(Link), STATUS_SUCCESS);
 * ```
 */
export function IoCreateSymbolicLink(
  SymbolicLinkName: { readonly Buffer: string },
  DeviceName: { readonly Buffer: string },
): NTSTATUS {
  requirePassiveLevel("IoCreateSymbolicLink", 0x2000C, "IrqlIoPassive3");
  if (typeof SymbolicLinkName?.Buffer !== "string" || typeof DeviceName?.Buffer !== "string") {
    return STATUS_INVALID_PARAMETER;
  }
  const key = linkKey(SymbolicLinkName.Buffer);
  if (links.has(key)) return STATUS_OBJECT_NAME_COLLISION;
  links.set(key, DeviceName.Buffer);
  return STATUS_SUCCESS;
}

/**
 * `IoDeleteSymbolicLink`: removes a link. STATUS_OBJECT_NAME_NOT_FOUND when
 * there is none. With IRQL checking, a call above PASSIVE_LEVEL is bug check
 * 0xC4 / 0x2000D (IrqlIoPassive4).
 *
 * @example Usage
 * ```ts
 * import { IoDeleteSymbolicLink, STATUS_OBJECT_NAME_NOT_FOUND } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 * assert.equal(IoDeleteSymbolicLink({ Buffer: "\\??\\Nothing" }), STATUS_OBJECT_NAME_NOT_FOUND);
 * ```
 */
export function IoDeleteSymbolicLink(SymbolicLinkName: { readonly Buffer: string }): NTSTATUS {
  requirePassiveLevel("IoDeleteSymbolicLink", 0x2000D, "IrqlIoPassive4");
  if (typeof SymbolicLinkName?.Buffer !== "string") return STATUS_INVALID_PARAMETER;
  return links.delete(linkKey(SymbolicLinkName.Buffer))
    ? STATUS_SUCCESS
    : STATUS_OBJECT_NAME_NOT_FOUND;
}

/**
 * The device a symbolic link leads to (`"Echo"`, `"\\??\\Echo"` or
 * `"\\DosDevices\\Echo"`), or null when the link or its device does not
 * exist: what the I/O manager does for `CreateFile("\\\\.\\Echo")`.
 *
 * @example Usage
 * ```ts
 * import { resolveSymbolicLink } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 * assert.equal(resolveSymbolicLink("\\??\\Nothing"), null);
 * ```
 */
export function resolveSymbolicLink(SymbolicLinkName: string): DEVICE_OBJECT | null {
  const target = links.get(linkKey(SymbolicLinkName));
  return target === undefined ? null : lookupDevice(target);
}

/**
 * The symbolic links that exist now, as `\??\NAME → \Device\...` pairs: what
 * the unload report lists when a driver forgot IoDeleteSymbolicLink.
 *
 * @example Usage
 * ```ts
 * import { symbolicLinks } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 * assert.ok(Array.isArray(symbolicLinks()));
 * ```
 */
export function symbolicLinks(): { link: string; device: string }[] {
  return [...links].map(([link, device]) => ({ link: `\\??\\${link}`, device }));
}
