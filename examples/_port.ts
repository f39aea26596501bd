// Copyright 2026 the wskemu authors. MIT license.
import { htons, type SOCKADDR } from "../mod.ts";

/** Sets the port (host order) of a SOCKADDR_IN or SOCKADDR_IN6 in place. */
export function fillSockaddrPort(address: SOCKADDR, port: number): void {
  if ("sin_port" in address) address.sin_port = htons(port);
  if ("sin6_port" in address) address.sin6_port = htons(port);
}
