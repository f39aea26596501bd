/* Copyright 2026 the wskemu authors. MIT license.
 * ntstrsafe.h: bounded copies, concatenation and lengths, one generic body
 * for char and WCHAR; the printf family is formatted by the host. */
#include <ntstrsafe.h>
#include "rt.h"

#define DEFINE_STRSAFE(Suffix, TCHAR)                                                                    \
  NTSTATUS RtlStringCchLength##Suffix(const TCHAR *psz, size_t cchMax, size_t *pcchLength) {             \
    size_t n = 0;                                                                                        \
    if (psz == NULL || cchMax == 0 || cchMax > NTSTRSAFE_MAX_CCH) {                                      \
      if (pcchLength) *pcchLength = 0;                                                                   \
      return STATUS_INVALID_PARAMETER;                                                                   \
    }                                                                                                    \
    while (n < cchMax && psz[n]) n++;                                                                    \
    if (pcchLength) *pcchLength = n < cchMax ? n : 0;                                                    \
    return n < cchMax ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER;                                       \
  }                                                                                                      \
  NTSTATUS RtlStringCchCopyN##Suffix(TCHAR *pszDest, size_t cchDest, const TCHAR *pszSrc, size_t cchToCopy) { \
    size_t n = 0;                                                                                        \
    if (cchDest == 0 || cchDest > NTSTRSAFE_MAX_CCH) return STATUS_INVALID_PARAMETER;                    \
    while (n + 1 < cchDest && n < cchToCopy && pszSrc[n]) {                                              \
      pszDest[n] = pszSrc[n];                                                                            \
      n++;                                                                                               \
    }                                                                                                    \
    pszDest[n] = 0;                                                                                      \
    return (n < cchToCopy && pszSrc[n]) ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;                       \
  }                                                                                                      \
  NTSTATUS RtlStringCchCopy##Suffix(TCHAR *pszDest, size_t cchDest, const TCHAR *pszSrc) {               \
    return RtlStringCchCopyN##Suffix(pszDest, cchDest, pszSrc, NTSTRSAFE_MAX_CCH);                       \
  }                                                                                                      \
  NTSTATUS RtlStringCchCat##Suffix(TCHAR *pszDest, size_t cchDest, const TCHAR *pszSrc) {                \
    size_t Used = 0;                                                                                     \
    NTSTATUS Status = RtlStringCchLength##Suffix(pszDest, cchDest, &Used);                               \
    if (!NT_SUCCESS(Status)) return Status;                                                              \
    return RtlStringCchCopy##Suffix(pszDest + Used, cchDest - Used, pszSrc);                             \
  }

DEFINE_STRSAFE(A, char)
DEFINE_STRSAFE(W, WCHAR)

NTSTATUS RtlStringCchVPrintfA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszFormat, va_list argList) {
  if (cchDest == 0 || cchDest > NTSTRSAFE_MAX_CCH) return STATUS_INVALID_PARAMETER;
  return rtFormat(pszDest, cchDest, 0, pszFormat, argList);
}

NTSTATUS RtlStringCchVPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszFormat, va_list argList) {
  if (cchDest == 0 || cchDest > NTSTRSAFE_MAX_CCH) return STATUS_INVALID_PARAMETER;
  return rtFormat(pszDest, cchDest, 1, pszFormat, argList);
}

NTSTATUS RtlStringCchPrintfA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszFormat, ...) {
  va_list Args;
  va_start(Args, pszFormat);
  NTSTATUS Status = RtlStringCchVPrintfA(pszDest, cchDest, pszFormat, Args);
  va_end(Args);
  return Status;
}

NTSTATUS RtlStringCchPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszFormat, ...) {
  va_list Args;
  va_start(Args, pszFormat);
  NTSTATUS Status = RtlStringCchVPrintfW(pszDest, cchDest, pszFormat, Args);
  va_end(Args);
  return Status;
}

NTSTATUS RtlStringCbPrintfA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszFormat, ...) {
  va_list Args;
  va_start(Args, pszFormat);
  NTSTATUS Status = RtlStringCchVPrintfA(pszDest, cbDest, pszFormat, Args);
  va_end(Args);
  return Status;
}

NTSTATUS RtlStringCbPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszFormat, ...) {
  va_list Args;
  va_start(Args, pszFormat);
  NTSTATUS Status = RtlStringCchVPrintfW(pszDest, cbDest / sizeof(WCHAR), pszFormat, Args);
  va_end(Args);
  return Status;
}

NTSTATUS RtlUnicodeStringInit(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszSrc) {
  RtlInitUnicodeString(DestinationString, pszSrc);
  return STATUS_SUCCESS;
}

NTSTATUS RtlUnicodeStringCopy(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString) {
  DestinationString->Length = 0;
  return RtlUnicodeStringCat(DestinationString, SourceString);
}

NTSTATUS RtlUnicodeStringCat(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString) {
  USHORT Room = DestinationString->MaximumLength - DestinationString->Length;
  USHORT Bytes = min(Room, SourceString->Length) & ~1;
  __builtin_memmove((PCHAR)DestinationString->Buffer + DestinationString->Length, SourceString->Buffer, Bytes);
  DestinationString->Length += Bytes;
  return Bytes < SourceString->Length ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

NTSTATUS RtlUnicodeStringCopyString(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszSrc) {
  UNICODE_STRING Source;
  RtlInitUnicodeString(&Source, pszSrc);
  return RtlUnicodeStringCopy(DestinationString, &Source);
}

NTSTATUS RtlUnicodeStringCatString(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszSrc) {
  UNICODE_STRING Source;
  RtlInitUnicodeString(&Source, pszSrc);
  return RtlUnicodeStringCat(DestinationString, &Source);
}

NTSTATUS RtlUnicodeStringPrintf(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszFormat, ...) {
  va_list Args;
  va_start(Args, pszFormat);
  size_t Cch = DestinationString->MaximumLength / sizeof(WCHAR);
  NTSTATUS Status = Cch ? rtFormat(DestinationString->Buffer, Cch, 1, pszFormat, Args) : STATUS_BUFFER_OVERFLOW;
  va_end(Args);
  size_t Length = 0;
  while (Length < Cch && DestinationString->Buffer[Length]) Length++;
  DestinationString->Length = (USHORT)(Length * sizeof(WCHAR));
  return Status;
}
