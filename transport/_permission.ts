// Copyright 2026 the wskemu authors. MIT license.
/**
 * A permission check made before `node:net` listens.
 *
 * Why: in Deno 2.9.6 `server.listen()` checks `--allow-net` on a later tick,
 * and a denial is thrown there as an uncaught NotCapable that ends the
 * process: no 'error' event, no way to catch it. Asking first turns it into
 * STATUS_ACCESS_DENIED. (`net.connect` emits its denial as 'error', so connect
 * needs no pre-check.)
 *
 * @module
 */
import { type NTSTATUS, STATUS_ACCESS_DENIED, STATUS_SUCCESS } from "../irp/ntstatus.ts";
import { statusFromError } from "./errors.ts";
import type { Endpoint } from "./types.ts";
import { permissionHost } from "./_endpoint.ts";

/**
 * STATUS_SUCCESS when net access to `local` is granted. A "prompt" state is
 * resolved with `requestSync`, which prompts on a terminal exactly as the
 * listen itself would have, and says "denied" where no prompt is possible.
 */
export function checkNetPermission(local: Endpoint): NTSTATUS {
  try {
    const descriptor: Deno.NetPermissionDescriptor = { name: "net", host: permissionHost(local) };
    let { state } = Deno.permissions.querySync(descriptor);
    if (state === "prompt") state = Deno.permissions.requestSync(descriptor).state;
    return state === "granted" ? STATUS_SUCCESS : STATUS_ACCESS_DENIED;
  } catch (error) {
    return statusFromError(error);
  }
}
