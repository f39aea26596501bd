// Copyright 2026 the wskemu authors. MIT license.
/**
 * wskemu: the Windows Winsock Kernel (WSK) and its IRP model, emulated in user
 * mode over real TCP and UDP. WSK client code written in C ports line by line:
 * WDK names, parameter orders, NTSTATUS values and IRP rules are kept, and
 * driver bugs that would crash Windows raise a `BugCheckError` with the real
 * bug check code.
 *
 * This entry point exports the I/O manager (`./irp`) and the WSK subsystem
 * (`./wsk`); the transport behind them is in `./transport`.
 *
 * ```ts
 * import {
 *   MAKE_WSK_VERSION, STATUS_SUCCESS, WSK_REGISTRATION, WskDeregister, WskRegister,
 * } from "@wskemu/wsk";
 * import assert from "node:assert/strict";
 *
 * const WskRegistration = new WSK_REGISTRATION();
 * const Status = WskRegister(
 *   { ClientContext: null, Dispatch: { Version: MAKE_WSK_VERSION(1, 0), Reserved: 0, WskClientEvent: null } },
 *   WskRegistration,
 * );
 * assert.equal(Status, STATUS_SUCCESS);
 * await WskDeregister(WskRegistration);
 * ```
 *
 * @module
 */
export * from "./irp/mod.ts";
export * from "./wsk/mod.ts";
