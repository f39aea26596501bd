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

/* The printf family of one character type: the V form formats, the others gather their arguments. */
#define DEFINE_STRSAFE_PRINTF(Suffix, TCHAR, Wide)                                                          \
  NTSTATUS RtlStringCchVPrintf##Suffix(TCHAR *pszDest, size_t cchDest, const TCHAR *pszFormat, va_list argList) { \
    if (cchDest == 0 || cchDest > NTSTRSAFE_MAX_CCH) return STATUS_INVALID_PARAMETER;                      \
    return rtFormat(pszDest, cchDest, Wide, pszFormat, argList);                                           \
  }                                                                                                        \
  NTSTATUS RtlStringCchPrintf##Suffix(TCHAR *pszDest, size_t cchDest, const TCHAR *pszFormat, ...) {        \
    va_list Args;                                                                                          \
    va_start(Args, pszFormat);                                                                             \
    NTSTATUS Status = RtlStringCchVPrintf##Suffix(pszDest, cchDest, pszFormat, Args);                      \
    va_end(Args);                                                                                          \
    return Status;                                                                                         \
  }                                                                                                        \
  NTSTATUS RtlStringCbPrintf##Suffix(TCHAR *pszDest, size_t cbDest, const TCHAR *pszFormat, ...) {          \
    va_list Args;                                                                                          \
    va_start(Args, pszFormat);                                                                             \
    NTSTATUS Status = RtlStringCchVPrintf##Suffix(pszDest, cbDest / sizeof(TCHAR), pszFormat, Args);       \
    va_end(Args);                                                                                          \
    return Status;                                                                                         \
  }

DEFINE_STRSAFE_PRINTF(A, char, 0)
DEFINE_STRSAFE_PRINTF(W, WCHAR, 1)

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
