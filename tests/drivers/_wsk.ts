// Copyright 2026 the wskemu authors. MIT license.
// What the test drivers share: registering with WSK and a provider-level call
// that completes its IRP at once (the transport list query).
import {
  type IRP,
  MAKE_WSK_VERSION,
  sizeofWskTransport,
  WSK_INFINITE_WAIT,
  type WSK_PROVIDER_NPI,
  type WSK_REGISTRATION,
  WSK_TRANSPORT_LIST_QUERY,
  WskCaptureProviderNPI,
  WskRegister,
} from "../../mod.ts";

/** Registers `Registration` and captures the provider into `ProviderNpi`. */
export function attach(Registration: WSK_REGISTRATION, ProviderNpi: WSK_PROVIDER_NPI): void {
  WskRegister({
    ClientContext: null,
    Dispatch: { Version: MAKE_WSK_VERSION(1, 0), Reserved: 0, WskClientEvent: null },
  }, Registration);
  WskCaptureProviderNPI(Registration, WSK_INFINITE_WAIT, ProviderNpi);
}

/** WSK_TRANSPORT_LIST_QUERY on `Irp`: the provider takes it and completes it from the queue. */
export function queryTransports(ProviderNpi: WSK_PROVIDER_NPI, Irp: IRP): void {
  const Transports = new Uint8Array(4 * sizeofWskTransport);
  ProviderNpi.Dispatch!.WskControlClient(
    ProviderNpi.Client,
    WSK_TRANSPORT_LIST_QUERY,
    0,
    null,
    Transports.length,
    Transports,
    { value: 0 },
    Irp,
  );
}
