// Copyright 2026 the wskemu authors. MIT license.
/**
 * The checks a UDP send's destination passes before either backend sends:
 * the same statuses whichever socket is underneath. The last destination that
 * passed is remembered, so a driver that sends to one peer pays for the
 * checks once, not per datagram.
 *
 * @module
 */
import { isIP } from "node:net";
import {
  type NTSTATUS,
  STATUS_ACCESS_DENIED,
  STATUS_INVALID_ADDRESS_COMPONENT,
  STATUS_NOT_SUPPORTED,
  STATUS_SUCCESS,
} from "../irp/ntstatus.ts";
import type { Endpoint } from "./types.ts";
import { checkEndpoint } from "./_endpoint.ts";
import { isBroadcast } from "./_udp_broadcast.ts";

/** Checks destinations for one bound socket. */
export class DestinationCheck {
  readonly #localFamily: 4 | 6;
  readonly #ipv6Only: boolean;
  #broadcast = false;
  // The last destination that passed, field by field (the caller may reuse its object).
  #hostname = "";
  #port = -1;
  #family = 0;

  /** Checks for a socket bound to an address of `localFamily`, IPv6-only or dual stack. */
  constructor(localFamily: 4 | 6, ipv6Only: boolean) {
    this.#localFamily = localFamily;
    this.#ipv6Only = ipv6Only;
  }

  /** SO_BROADCAST: whether broadcast destinations are allowed. */
  set broadcast(on: boolean) {
    this.#broadcast = on;
    this.#port = -1; // a broadcast destination that passed may no longer pass
  }

  /**
   * STATUS_SUCCESS when a datagram may go to `to`. Else: not an IP literal
   * (WskSendTo never looks a name up) STATUS_INVALID_PARAMETER; port 0
   * (Windows: WSAEADDRNOTAVAIL) STATUS_INVALID_ADDRESS_COMPONENT; a family
   * the socket cannot reach STATUS_NOT_SUPPORTED; a broadcast without
   * SO_BROADCAST STATUS_ACCESS_DENIED.
   */
  check(to: Endpoint): NTSTATUS {
    if (to.port === this.#port && to.hostname === this.#hostname && to.family === this.#family) {
      return STATUS_SUCCESS;
    }
    const valid = checkEndpoint(to);
    if (valid !== STATUS_SUCCESS) return valid;
    if (to.port === 0) return STATUS_INVALID_ADDRESS_COMPONENT;
    if (!this.#reaches(to)) return STATUS_NOT_SUPPORTED;
    if (!this.#broadcast && isBroadcast(to)) return STATUS_ACCESS_DENIED;
    this.#hostname = to.hostname;
    this.#port = to.port;
    this.#family = to.family;
    return STATUS_SUCCESS;
  }

  #reaches(to: Endpoint): boolean {
    if (this.#localFamily === 4) return to.family === 4;
    if (!this.#ipv6Only) return true; // dual stack: IPv4 peers are reached too
    return to.family === 6 && isIP(to.hostname) === 6 && !/^::ffff:/i.test(to.hostname);
  }
}
