// Copyright 2026 the wskemu authors. MIT license.
// What the test drivers share: registering with WSK and a provider-level call
// that completes its IRP at once (the transport list query).
import {
  AF_INET,
  IN4ADDR_SETLOOPBACK,
  IPPROTO_UDP,
  type IRP,
  MAKE_WSK_VERSION,
  type NTSTATUS,
  sizeofWskTransport,
  SOCK_DGRAM,
  type SOCKADDR_IN,
  WSK_FLAG_DATAGRAM_SOCKET,
  WSK_INFINITE_WAIT,
  type WSK_PROVIDER_DATAGRAM_DISPATCH,
  type WSK_PROVIDER_NPI,
  type WSK_REGISTRATION,
  type WSK_SOCKET,
  WSK_TRANSPORT_LIST_QUERY,
  WskCaptureProviderNPI,
  WskRegister,
} from "../../mod.ts";
import { syncCall } from "../../examples/_server.ts";

/** Registers `Registration` and captures the provider into `ProviderNpi`. */
export function attach(Registration: WSK_REGISTRATION, ProviderNpi: WSK_PROVIDER_NPI): void {
  WskRegister({
    ClientContext: null,
    Dispatch: { Version: MAKE_WSK_VERSION(1, 0), Reserved: 0, WskClientEvent: null },
  }, Registration);
  WskCaptureProviderNPI(Registration, WSK_INFINITE_WAIT, ProviderNpi);
}

/** WSK_TRANSPORT_LIST_QUERY on `Irp`: the provider takes it and completes it from the queue. */
export function queryTransports(ProviderNpi: WSK_PROVIDER_NPI, Irp: IRP): NTSTATUS {
  const Transports = new Uint8Array(4 * sizeofWskTransport);
  return ProviderNpi.Dispatch!.WskControlClient(
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

/** A datagram socket bound to 127.0.0.1 on a free port, made with `Irp`. */
export async function loopbackDatagramSocket(
  ProviderNpi: WSK_PROVIDER_NPI,
  Irp: IRP,
): Promise<{ Socket: WSK_SOCKET; Dispatch: WSK_PROVIDER_DATAGRAM_DISPATCH }> {
  await syncCall(Irp, (Irp) =>
    ProviderNpi.Dispatch!.WskSocket(
      ProviderNpi.Client,
      AF_INET,
      SOCK_DGRAM,
      IPPROTO_UDP,
      WSK_FLAG_DATAGRAM_SOCKET,
      null,
      null,
      null,
      null,
      null,
      Irp,
    ));
  const Socket = Irp.IoStatus.Information as WSK_SOCKET;
  const Dispatch = Socket.Dispatch as WSK_PROVIDER_DATAGRAM_DISPATCH;
  const Local = {} as SOCKADDR_IN;
  IN4ADDR_SETLOOPBACK(Local);
  Local.sin_port = 0;
  await syncCall(Irp, (Irp) => Dispatch.WskBind(Socket, Local, 0, Irp));
  return { Socket, Dispatch };
}
