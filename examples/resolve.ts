// Copyright 2026 the wskemu authors. MIT license.
/**
 * Prints what WskGetAddressInfo returns for HOST (and SERVICE), one line per
 * address, the way `getent ahosts` does: the address, the name (the canonical
 * name, asked for with AI_CANONNAME), the family and, with a service, the port.
 * It follows the guide's "Resolving Host Names and IP Addresses" sample:
 * RtlInitUnicodeString, an IRP whose completion routine sets a KEVENT,
 * KeWaitForSingleObject, then WskFreeAddressInfo.
 *
 *   deno run -A examples/resolve.ts localhost http
 *   127.0.0.1       localhost  AF_INET  port 80
 *
 * A name that cannot be resolved prints its status (`STATUS_NOT_FOUND
 * (0xC0000225)`) on stderr and exits with 2.
 *
 * @module
 */
import {
  type ADDRINFOEXW,
  AF_INET6,
  AI_CANONNAME,
  formatNtStatus,
  MAKE_WSK_VERSION,
  NT_SUCCESS,
  sockaddrToString,
  WSK_INFINITE_WAIT,
  WSK_PROVIDER_NPI,
  WSK_REGISTRATION,
  WskCaptureProviderNPI,
  WskDeregister,
  WskRegister,
  WskReleaseProviderNPI,
} from "../mod.ts";
import { KernelNameResolutionSample } from "./_resolve.ts";

const Registration = new WSK_REGISTRATION();
const ProviderNpi = new WSK_PROVIDER_NPI();

/** One getent-style line: address, name, family and (with a service) port. */
function line(Entry: ADDRINFOEXW, name: string, withPort: boolean): string {
  const text = sockaddrToString(Entry.ai_addr!);
  const colon = text.lastIndexOf(":");
  const address = text.slice(0, colon).replace(/^\[|\]$/g, "");
  const family = Entry.ai_family === AF_INET6 ? "AF_INET6" : "AF_INET";
  const port = withPort ? ` port ${text.slice(colon + 1)}` : "";
  return `${address.padEnd(15)} ${name}  ${family.padEnd(8)}${port}`.trimEnd();
}

async function main(args: string[]): Promise<number> {
  if (args.length < 1 || args.length > 2 || args.some((a) => a.startsWith("-") || a === "")) {
    console.error("usage: deno run -A examples/resolve.ts HOST [SERVICE]");
    return 2;
  }
  const [host, service = null] = args as [string, string?];
  const Dispatch = { Version: MAKE_WSK_VERSION(1, 0), Reserved: 0, WskClientEvent: null };
  let Status = WskRegister({ ClientContext: null, Dispatch }, Registration);
  if (!NT_SUCCESS(Status)) {
    console.error(`resolve: WskRegister: ${formatNtStatus(Status)}`);
    return 2;
  }
  Status = WskCaptureProviderNPI(Registration, WSK_INFINITE_WAIT, ProviderNpi);
  if (NT_SUCCESS(Status)) {
    let name = host;
    Status = await KernelNameResolutionSample(
      host,
      service,
      { ai_flags: AI_CANONNAME },
      ProviderNpi,
      (Entry) => {
        // AI_CANONNAME puts the canonical name on the first entry only.
        name = Entry.ai_canonname ?? name;
        console.log(line(Entry, name, service !== null));
      },
    );
    WskReleaseProviderNPI(Registration);
  }
  await WskDeregister(Registration);
  if (!NT_SUCCESS(Status)) {
    console.error(`resolve: ${host}${service ? ` ${service}` : ""}: ${formatNtStatus(Status)}`);
    return 2;
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
