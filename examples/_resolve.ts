// Copyright 2026 the wskemu authors. MIT license.
// Name resolution for the examples, as the guide's "Resolving Host Names and
// IP Addresses" sample does it.
import {
  type ADDRINFOEXW,
  formatNtStatus,
  IoAllocateIrp,
  IoFreeIrp,
  IoSetCompletionRoutine,
  KeInitializeEvent,
  KeSetEvent,
  KEVENT,
  KeWaitForSingleObject,
  NS_ALL,
  NT_SUCCESS,
  type NTSTATUS,
  RtlInitUnicodeString,
  type SOCKADDR,
  STATUS_INSUFFICIENT_RESOURCES,
  STATUS_MORE_PROCESSING_REQUIRED,
  SynchronizationEvent,
  type UNICODE_STRING,
  type WSK_PROVIDER_NPI,
} from "../mod.ts";
import { fillSockaddrPort } from "./_port.ts";

/**
 * The guide's KernelNameResolutionSample: WskGetAddressInfo on an IRP whose
 * completion routine sets a KEVENT, a wait, then each entry handed to `print`
 * and the list freed with WskFreeAddressInfo.
 */
export async function KernelNameResolutionSample(
  NodeNameText: string,
  ServiceNameText: string | null,
  Hints: Partial<ADDRINFOEXW> | null,
  WskProviderNpi: WSK_PROVIDER_NPI,
  print: (Entry: ADDRINFOEXW) => void,
): Promise<NTSTATUS> {
  const NodeName = {} as UNICODE_STRING;
  RtlInitUnicodeString(NodeName, NodeNameText);
  let ServiceName: UNICODE_STRING | null = null;
  if (ServiceNameText !== null) {
    ServiceName = {} as UNICODE_STRING;
    RtlInitUnicodeString(ServiceName, ServiceNameText);
  }
  const CompletionEvent = new KEVENT();
  KeInitializeEvent(CompletionEvent, SynchronizationEvent, false);
  const Irp = IoAllocateIrp(1, false);
  if (!Irp) return STATUS_INSUFFICIENT_RESOURCES;
  IoSetCompletionRoutine(
    Irp,
    (_DeviceObject, _Irp, Context) => {
      KeSetEvent(Context as KEVENT, 2, false);
      return STATUS_MORE_PROCESSING_REQUIRED;
    },
    CompletionEvent,
    true,
    true,
    true,
  );
  const Results = { value: null as ADDRINFOEXW | null };
  WskProviderNpi.Dispatch!.WskGetAddressInfo(
    WskProviderNpi.Client,
    NodeName,
    ServiceName,
    NS_ALL,
    null,
    Hints,
    Results,
    null,
    null,
    Irp,
  );
  await KeWaitForSingleObject(CompletionEvent, 0, 0, false, null);
  const Status = Irp.IoStatus.Status;
  IoFreeIrp(Irp);
  if (!NT_SUCCESS(Status)) return Status;
  for (let Entry = Results.value; Entry; Entry = Entry.ai_next) print(Entry);
  WskProviderNpi.Dispatch!.WskFreeAddressInfo(WskProviderNpi.Client, Results.value);
  return Status;
}

/** The first address `host` resolves to, with `port`; null (after saying why) if none. */
export async function resolveHost(
  npi: WSK_PROVIDER_NPI,
  host: string,
  port: number,
  say: (line: string) => void,
): Promise<SOCKADDR | null> {
  let address: SOCKADDR | null = null;
  const Status = await KernelNameResolutionSample(host, null, null, npi, (Entry) => {
    if (!address && Entry.ai_addr) address = structuredClone(Entry.ai_addr);
  });
  say(`${`WskGetAddressInfo(${host})`.padEnd(47)} completed ${formatNtStatus(Status)}`);
  if (!address) {
    console.error(`cannot resolve ${host}: ${formatNtStatus(Status)}`);
    return null;
  }
  fillSockaddrPort(address, port);
  return address;
}
