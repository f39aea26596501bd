/* Copyright 2026 the wskemu authors. MIT license.
 * ntstrsafe.h for wskemu: the common bounded RtlString* routines (copy,
 * concatenate, length, printf) over char and WCHAR buffers, in counts of
 * characters (Cch) or bytes (Cb). Each NUL-terminates what it writes and
 * returns STATUS_BUFFER_OVERFLOW when it had to truncate. The printf family
 * is formatted by the host, with DbgPrint's formats. */
#ifndef _NTSTRSAFE_H_INCLUDED_
#define _NTSTRSAFE_H_INCLUDED_
#include "wdm.h"

#define NTSTRSAFE_MAX_CCH 2147483647
#define NTSTRSAFE_UNICODE_STRING_MAX_CCH (0xffff / sizeof(WCHAR))
#define STRSAFE_IGNORE_NULLS 0x00000100
#define STRSAFE_FILL_BEHIND_NULL 0x00000200
#define STRSAFE_NO_TRUNCATION 0x00001000
typedef char *NTSTRSAFE_PSTR;
typedef const char *NTSTRSAFE_PCSTR;
typedef WCHAR *NTSTRSAFE_PWSTR;
typedef const WCHAR *NTSTRSAFE_PCWSTR;

NTSTATUS RtlStringCchCopyA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszSrc);
NTSTATUS RtlStringCchCopyW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszSrc);
NTSTATUS RtlStringCchCopyNA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszSrc, size_t cchToCopy);
NTSTATUS RtlStringCchCopyNW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszSrc, size_t cchToCopy);
NTSTATUS RtlStringCchCatA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszSrc);
NTSTATUS RtlStringCchCatW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszSrc);
NTSTATUS RtlStringCchLengthA(NTSTRSAFE_PCSTR psz, size_t cchMax, size_t *pcchLength);
NTSTATUS RtlStringCchLengthW(NTSTRSAFE_PCWSTR psz, size_t cchMax, size_t *pcchLength);
NTSTATUS RtlStringCchVPrintfA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszFormat, va_list argList);
NTSTATUS RtlStringCchVPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszFormat,
                              va_list argList);
NTSTATUS RtlStringCchPrintfA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszFormat, ...);
NTSTATUS RtlStringCchPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszFormat, ...);
NTSTATUS RtlStringCbPrintfA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszFormat, ...);
NTSTATUS RtlStringCbPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszFormat, ...);

#define RtlStringCbCopyA(d, cb, s) RtlStringCchCopyA((d), (cb), (s))
#define RtlStringCbCopyW(d, cb, s) RtlStringCchCopyW((d), (cb) / sizeof(WCHAR), (s))
#define RtlStringCbCopyNA(d, cb, s, n) RtlStringCchCopyNA((d), (cb), (s), (n))
#define RtlStringCbCopyNW(d, cb, s, n) RtlStringCchCopyNW((d), (cb) / sizeof(WCHAR), (s), (n) / sizeof(WCHAR))
#define RtlStringCbCatA(d, cb, s) RtlStringCchCatA((d), (cb), (s))
#define RtlStringCbCatW(d, cb, s) RtlStringCchCatW((d), (cb) / sizeof(WCHAR), (s))
#define RtlStringCbVPrintfA(d, cb, f, a) RtlStringCchVPrintfA((d), (cb), (f), (a))
#define RtlStringCbVPrintfW(d, cb, f, a) RtlStringCchVPrintfW((d), (cb) / sizeof(WCHAR), (f), (a))
FORCEINLINE NTSTATUS RtlStringCbLengthA(NTSTRSAFE_PCSTR psz, size_t cbMax, size_t *pcbLength) {
  return RtlStringCchLengthA(psz, cbMax, pcbLength);
}
FORCEINLINE NTSTATUS RtlStringCbLengthW(NTSTRSAFE_PCWSTR psz, size_t cbMax, size_t *pcbLength) {
  size_t cch = 0;
  NTSTATUS Status = RtlStringCchLengthW(psz, cbMax / sizeof(WCHAR), &cch);
  if (pcbLength) *pcbLength = NT_SUCCESS(Status) ? cch * sizeof(WCHAR) : 0;
  return Status;
}

NTSTATUS RtlUnicodeStringCopy(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString);
NTSTATUS RtlUnicodeStringCat(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString);
NTSTATUS RtlUnicodeStringCopyString(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszSrc);
NTSTATUS RtlUnicodeStringCatString(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszSrc);
NTSTATUS RtlUnicodeStringPrintf(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszFormat, ...);
NTSTATUS RtlUnicodeStringInit(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszSrc);

#endif
