// Copyright 2026 the wskemu authors. MIT license.
// Internal: placeholder until the datagram category lands.
import { BasicDispatch } from "./_connection_dispatch.ts";

/** Placeholder. */
export const DatagramDispatch: unknown = BasicDispatch;
