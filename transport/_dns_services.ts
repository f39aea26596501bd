// Copyright 2026 the wskemu authors. MIT license.
/**
 * Service names and ports, as getservbyname/getservbyport know them: read from
 * the system's services file when this process may read it, else from a small
 * built-in table of well-known ports. Nothing here asks for a permission: an
 * unreadable file (no --allow-read) falls back quietly, with no prompt.
 *
 * @module
 */

/** A transport protocol a service is registered for. */
export type ServiceProtocol = "tcp" | "udp";

/** Service name ↔ port lookups, per protocol. */
export interface ServiceTable {
  /** The port of `name` (case-insensitive, aliases too) for `protocol`, or undefined. */
  port(name: string, protocol: ServiceProtocol): number | undefined;
  /** The first name registered for `port` and `protocol`, or undefined. */
  name(port: number, protocol: ServiceProtocol): string | undefined;
}

// Well-known ports (IANA), with the protocols the usual services files list
// them for. Written for this project; used when no services file is readable.
// [name, port, protocols, ...aliases]
const BUILT_IN: ReadonlyArray<readonly [string, number, string, ...string[]]> = [
  ["echo", 7, "tcp udp"],
  ["discard", 9, "tcp udp", "sink", "null"],
  ["daytime", 13, "tcp udp"],
  ["ftp-data", 20, "tcp"],
  ["ftp", 21, "tcp"],
  ["ssh", 22, "tcp"],
  ["telnet", 23, "tcp"],
  ["smtp", 25, "tcp", "mail"],
  ["time", 37, "tcp udp", "timserver"],
  ["whois", 43, "tcp", "nicname"],
  ["domain", 53, "tcp udp"],
  ["bootps", 67, "udp"],
  ["bootpc", 68, "udp"],
  ["tftp", 69, "udp"],
  ["gopher", 70, "tcp"],
  ["finger", 79, "tcp"],
  ["http", 80, "tcp", "www"],
  ["kerberos", 88, "tcp udp", "kerberos5", "krb5"],
  ["pop3", 110, "tcp", "pop-3"],
  ["sunrpc", 111, "tcp udp", "portmapper"],
  ["nntp", 119, "tcp", "readnews"],
  ["ntp", 123, "udp"],
  ["epmap", 135, "tcp udp", "loc-srv"],
  ["netbios-ns", 137, "udp"],
  ["netbios-dgm", 138, "udp"],
  ["netbios-ssn", 139, "tcp"],
  ["imap2", 143, "tcp", "imap"],
  ["snmp", 161, "tcp udp"],
  ["snmp-trap", 162, "tcp udp", "snmptrap"],
  ["ldap", 389, "tcp udp"],
  ["https", 443, "tcp udp"],
  ["microsoft-ds", 445, "tcp"],
  ["isakmp", 500, "udp"],
  ["syslog", 514, "udp"],
  ["submission", 587, "tcp"],
  ["ldaps", 636, "tcp udp"],
  ["domain-s", 853, "tcp udp"],
  ["imaps", 993, "tcp"],
  ["pop3s", 995, "tcp"],
  ["openvpn", 1194, "tcp udp"],
  ["ms-sql-s", 1433, "tcp"],
  ["mysql", 3306, "tcp"],
  ["ms-wbt-server", 3389, "tcp"],
  ["postgresql", 5432, "tcp", "postgres"],
  ["http-alt", 8080, "tcp", "webcache"],
];

/** Where the system keeps its services file. */
export const SERVICES_PATH: string = Deno.build.os === "windows"
  ? "C:\\Windows\\System32\\drivers\\etc\\services"
  : "/etc/services";

class MapServiceTable implements ServiceTable {
  readonly #ports = new Map<string, number>();
  readonly #names = new Map<string, string>();

  add(name: string, port: number, protocol: string, aliases: readonly string[]): void {
    for (const alias of [name, ...aliases]) {
      const key = `${protocol}/${alias.toLowerCase()}`;
      // The first entry wins, as with getservbyname's linear search.
      if (!this.#ports.has(key)) this.#ports.set(key, port);
    }
    const byPort = `${protocol}/${port}`;
    if (!this.#names.has(byPort)) this.#names.set(byPort, name);
  }

  port(name: string, protocol: ServiceProtocol): number | undefined {
    return this.#ports.get(`${protocol}/${name.toLowerCase()}`);
  }

  name(port: number, protocol: ServiceProtocol): string | undefined {
    return this.#names.get(`${protocol}/${port}`);
  }
}

/** The built-in table of well-known services. */
export function builtInServices(): ServiceTable {
  const table = new MapServiceTable();
  for (const [name, port, protocols, ...aliases] of BUILT_IN) {
    for (const protocol of protocols.split(" ")) table.add(name, port, protocol, aliases);
  }
  return table;
}

/**
 * Parse a services file (`name port/protocol [aliases…] [# comment]` per
 * line). Lines that do not parse are skipped, as the C library skips them.
 */
export function parseServices(text: string): ServiceTable {
  const table = new MapServiceTable();
  for (const line of text.split("\n")) {
    const fields = line.replace(/#.*/, "").trim().split(/\s+/);
    if (fields.length < 2) continue;
    const match = /^(\d+)\/(tcp|udp)$/i.exec(fields[1]);
    if (!match) continue;
    const port = Number(match[1]);
    if (port > 0xffff) continue;
    table.add(fields[0], port, match[2].toLowerCase(), fields.slice(2));
  }
  return table;
}

/**
 * The services file at `path` if readable without a prompt, else the
 * built-in table. Never throws.
 */
export async function loadServices(path: string = SERVICES_PATH): Promise<ServiceTable> {
  return (await readServices(path)).table;
}

/** A table, and whether it may be kept (false when only a permission was missing). */
interface Loaded {
  table: ServiceTable;
  lasting: boolean;
}

async function readServices(path: string): Promise<Loaded> {
  try {
    const { state } = await Deno.permissions.query({ name: "read", path });
    // Not cached: the permission may be granted later in the process's life.
    if (state !== "granted") return { table: builtInServices(), lasting: false };
    return { table: parseServices(await Deno.readTextFile(path)), lasting: true };
  } catch {
    // No such file (or not a file): that will not change.
    return { table: builtInServices(), lasting: true };
  }
}

let system: ServiceTable | undefined;

/** The process-wide table, kept once loaded (the built-in one is not kept for lack of permission). */
export async function systemServices(): Promise<ServiceTable> {
  if (system) return system;
  const { table, lasting } = await readServices(SERVICES_PATH);
  if (lasting) system = table;
  return table;
}
