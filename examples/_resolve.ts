// Copyright 2026 the wskemu authors. MIT license.
// Resolves a host name for the examples with WskGetAddressInfo, the way the
// guide's "Resolving Host Names and IP Addresses" sample does.
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
  RtlInitUnicodeString,
  type SOCKADDR,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_SUCCESS,
  SynchronizationEvent,
  type UNICODE_STRING,
  type WSK_PROVIDER_NPI,
} from "../mod.ts";
import { fillSockaddrPort } from "./_port.ts";

/** The first address WskGetAddressInfo gives for `host`, with `port`; null (after saying why) if none. */
export async function resolveHost(
  npi: WSK_PROVIDER_NPI,
  host: string,
  port: number,
  say: (line: string) => void,
): Promise<SOCKADDR | null> {
  const NodeName = {} as UNICODE_STRING;
  RtlInitUnicodeString(NodeName, host);
  const CompletionEvent = new KEVENT();
  KeInitializeEvent(CompletionEvent, SynchronizationEvent, false);
  const Irp = IoAllocateIrp(1, false)!;
  IoSetCompletionRoutine(
    Irp,
    (_d, _i, Context) => {
      KeSetEvent(Context as KEVENT, 2, false);
      return STATUS_MORE_PROCESSING_REQUIRED;
    },
    CompletionEvent,
    true,
    true,
    true,
  );
  const Results: { value: ADDRINFOEXW | null } = { value: null };
  npi.Dispatch!.WskGetAddressInfo(
    npi.Client,
    NodeName,
    null,
    NS_ALL,
    null,
    null,
    Results,
    null,
    null,
    Irp,
  );
  await KeWaitForSingleObject(CompletionEvent, 0, 0, false, null);
  const Status = Irp.IoStatus.Status;
  IoFreeIrp(Irp);
  say(`${`WskGetAddressInfo(${host})`.padEnd(47)} completed ${formatNtStatus(Status)}`);
  if (Status !== STATUS_SUCCESS || !Results.value?.ai_addr) {
    console.error(`cannot resolve ${host}: ${formatNtStatus(Status)}`);
    return null;
  }
  const address = structuredClone(Results.value.ai_addr);
  npi.Dispatch!.WskFreeAddressInfo(npi.Client, Results.value);
  fillSockaddrPort(address, port);
  return address;
}
