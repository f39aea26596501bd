/* Copyright 2026 the wskemu authors. MIT license.
 * The ntstrsafe.h printf family, narrow and wide, counted in characters (Cch)
 * and in bytes (Cb): a fit, a truncation, and a zero-sized destination. */
#include <ntddk.h>
#include <ntstrsafe.h>

static NTSTATUS VPrintfW(PWSTR Dest, size_t Cch, PCWSTR Format, ...) {
  va_list Args;
  va_start(Args, Format);
  NTSTATUS Status = RtlStringCchVPrintfW(Dest, Cch, Format, Args);
  va_end(Args);
  return Status;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  UNREFERENCED_PARAMETER(DriverObject);
  UNREFERENCED_PARAMETER(RegistryPath);
  CHAR Narrow[8];
  WCHAR Wide[8];
  NTSTATUS Status = RtlStringCchPrintfA(Narrow, ARRAYSIZE(Narrow), "%u-%s", 42u, "ab");
  DbgPrint("CchPrintfA: 0x%08X \"%s\"\n", Status, Narrow);
  Status = RtlStringCbPrintfA(Narrow, 4, "%u", 123456u);
  DbgPrint("CbPrintfA 4 bytes: 0x%08X \"%s\"\n", Status, Narrow);
  Status = RtlStringCchPrintfW(Wide, ARRAYSIZE(Wide), L"%u-%ws", 7u, L"xy");
  DbgPrint("CchPrintfW: 0x%08X \"%ws\"\n", Status, Wide);
  Status = RtlStringCbPrintfW(Wide, 4 * sizeof(WCHAR), L"%u", 123456u);
  DbgPrint("CbPrintfW 4 characters: 0x%08X \"%ws\"\n", Status, Wide);
  Status = VPrintfW(Wide, ARRAYSIZE(Wide), L"v%d", -5);
  DbgPrint("CchVPrintfW: 0x%08X \"%ws\"\n", Status, Wide);
  Status = RtlStringCchPrintfA(Narrow, 0, "%u", 1u);
  DbgPrint("CchPrintfA into 0 characters: 0x%08X\n", Status);
  Status = RtlStringCbPrintfW(Wide, 1, L"%u", 1u);
  DbgPrint("CbPrintfW into 1 byte: 0x%08X\n", Status);
  return STATUS_SUCCESS;
}
