/* Copyright 2026 the wskemu authors. MIT license.
 * Counted strings (UNICODE_STRING, ANSI_STRING). ANSI here is Latin-1: each
 * byte is one UTF-16 unit, which is what ASCII driver strings need. Strings
 * allocated for the caller come from pool with the tag 'Strg', so a string
 * never freed shows up in the unload report. */
#include "rt.h"

#define STRING_TAG 'grtS'

VOID RtlInitUnicodeString(PUNICODE_STRING DestinationString, PCWSTR SourceString) {
  SIZE_T Length = SourceString ? wcslen(SourceString) * sizeof(WCHAR) : 0;
  if (Length > 0xfffc) Length = 0xfffc;
  DestinationString->Buffer = (PWCH)SourceString;
  DestinationString->Length = (USHORT)Length;
  DestinationString->MaximumLength = SourceString ? (USHORT)(Length + sizeof(WCHAR)) : 0;
}

VOID RtlInitAnsiString(PANSI_STRING DestinationString, PCSZ SourceString) {
  SIZE_T Length = SourceString ? strlen(SourceString) : 0;
  if (Length > 0xfffe) Length = 0xfffe;
  DestinationString->Buffer = (PCHAR)SourceString;
  DestinationString->Length = (USHORT)Length;
  DestinationString->MaximumLength = SourceString ? (USHORT)(Length + 1) : 0;
}

VOID RtlInitString(PSTRING DestinationString, PCSZ SourceString) { RtlInitAnsiString(DestinationString, SourceString); }

NTSTATUS RtlAnsiStringToUnicodeString(PUNICODE_STRING DestinationString, PCANSI_STRING SourceString,
                                      BOOLEAN AllocateDestinationString) {
  ULONG Bytes = (ULONG)SourceString->Length * sizeof(WCHAR);
  if (Bytes + sizeof(WCHAR) > 0xffff) return STATUS_INVALID_PARAMETER_2;
  if (AllocateDestinationString) {
    DestinationString->MaximumLength = (USHORT)(Bytes + sizeof(WCHAR));
    DestinationString->Buffer =
        rtAllocatePool(PagedPool, DestinationString->MaximumLength, STRING_TAG, 0, "RtlAnsiStringToUnicodeString", "");
    if (DestinationString->Buffer == NULL) return STATUS_NO_MEMORY;
  } else if (Bytes > DestinationString->MaximumLength) {
    return STATUS_BUFFER_OVERFLOW;
  }
  for (ULONG i = 0; i < SourceString->Length; i++) DestinationString->Buffer[i] = (UCHAR)SourceString->Buffer[i];
  DestinationString->Length = (USHORT)Bytes;
  if (Bytes + sizeof(WCHAR) <= DestinationString->MaximumLength) DestinationString->Buffer[Bytes / sizeof(WCHAR)] = 0;
  return STATUS_SUCCESS;
}

NTSTATUS RtlUnicodeStringToAnsiString(PANSI_STRING DestinationString, PCUNICODE_STRING SourceString,
                                      BOOLEAN AllocateDestinationString) {
  ULONG Chars = SourceString->Length / sizeof(WCHAR);
  if (AllocateDestinationString) {
    DestinationString->MaximumLength = (USHORT)(Chars + 1);
    DestinationString->Buffer =
        rtAllocatePool(PagedPool, DestinationString->MaximumLength, STRING_TAG, 0, "RtlUnicodeStringToAnsiString", "");
    if (DestinationString->Buffer == NULL) return STATUS_NO_MEMORY;
  } else if (Chars > DestinationString->MaximumLength) {
    return STATUS_BUFFER_OVERFLOW;
  }
  for (ULONG i = 0; i < Chars; i++) {
    WCHAR c = SourceString->Buffer[i];
    DestinationString->Buffer[i] = (CHAR)(c < 0x100 ? c : '?');
  }
  DestinationString->Length = (USHORT)Chars;
  if (Chars < DestinationString->MaximumLength) DestinationString->Buffer[Chars] = 0;
  return STATUS_SUCCESS;
}

VOID RtlFreeUnicodeString(PUNICODE_STRING UnicodeString) {
  if (UnicodeString->Buffer != NULL) ExFreePool(UnicodeString->Buffer);
  UnicodeString->Buffer = NULL;
  UnicodeString->Length = UnicodeString->MaximumLength = 0;
}

VOID RtlFreeAnsiString(PANSI_STRING AnsiString) {
  if (AnsiString->Buffer != NULL) ExFreePool(AnsiString->Buffer);
  AnsiString->Buffer = NULL;
  AnsiString->Length = AnsiString->MaximumLength = 0;
}

VOID RtlCopyUnicodeString(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString) {
  if (SourceString == NULL) {
    DestinationString->Length = 0;
    return;
  }
  USHORT Bytes = min(SourceString->Length, DestinationString->MaximumLength);
  __builtin_memmove(DestinationString->Buffer, SourceString->Buffer, Bytes);
  DestinationString->Length = Bytes;
  if (Bytes + sizeof(WCHAR) <= DestinationString->MaximumLength) DestinationString->Buffer[Bytes / sizeof(WCHAR)] = 0;
}

WCHAR RtlUpcaseUnicodeChar(WCHAR SourceCharacter) {
  return (SourceCharacter >= 'a' && SourceCharacter <= 'z') ? (WCHAR)(SourceCharacter - 32) : SourceCharacter;
}

LONG RtlCompareUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2, BOOLEAN CaseInSensitive) {
  USHORT n1 = String1->Length / sizeof(WCHAR), n2 = String2->Length / sizeof(WCHAR);
  for (USHORT i = 0; i < n1 && i < n2; i++) {
    WCHAR a = String1->Buffer[i], b = String2->Buffer[i];
    if (CaseInSensitive) {
      a = RtlUpcaseUnicodeChar(a);
      b = RtlUpcaseUnicodeChar(b);
    }
    if (a != b) return (LONG)a - (LONG)b;
  }
  return (LONG)n1 - (LONG)n2;
}

BOOLEAN RtlEqualUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2, BOOLEAN CaseInSensitive) {
  return String1->Length == String2->Length && RtlCompareUnicodeString(String1, String2, CaseInSensitive) == 0;
}

NTSTATUS RtlAppendUnicodeToString(PUNICODE_STRING Destination, PCWSTR Source) {
  UNICODE_STRING Tail;
  RtlInitUnicodeString(&Tail, Source);
  return RtlAppendUnicodeStringToString(Destination, &Tail);
}

NTSTATUS RtlAppendUnicodeStringToString(PUNICODE_STRING Destination, PCUNICODE_STRING Source) {
  ULONG Total = (ULONG)Destination->Length + Source->Length;
  if (Total > Destination->MaximumLength) return STATUS_BUFFER_TOO_SMALL;
  __builtin_memmove((PCHAR)Destination->Buffer + Destination->Length, Source->Buffer, Source->Length);
  Destination->Length = (USHORT)Total;
  if (Total + sizeof(WCHAR) <= Destination->MaximumLength) Destination->Buffer[Total / sizeof(WCHAR)] = 0;
  return STATUS_SUCCESS;
}

NTSTATUS RtlIntegerToUnicodeString(ULONG Value, ULONG Base, PUNICODE_STRING String) {
  WCHAR Digits[33];
  ULONG n = 0;
  if (Base == 0) Base = 10;
  if (Base != 2 && Base != 8 && Base != 10 && Base != 16) return STATUS_INVALID_PARAMETER;
  do {
    ULONG d = Value % Base;
    Digits[n++] = (WCHAR)(d < 10 ? '0' + d : 'A' + d - 10);
    Value /= Base;
  } while (Value != 0);
  if ((n + 1) * sizeof(WCHAR) > String->MaximumLength) return STATUS_BUFFER_OVERFLOW;
  for (ULONG i = 0; i < n; i++) String->Buffer[i] = Digits[n - 1 - i];
  String->Buffer[n] = 0;
  String->Length = (USHORT)(n * sizeof(WCHAR));
  return STATUS_SUCCESS;
}

NTSTATUS RtlUnicodeStringToInteger(PCUNICODE_STRING String, ULONG Base, PULONG Value) {
  USHORT n = String->Length / sizeof(WCHAR), i = 0;
  BOOLEAN Negative = FALSE;
  ULONG Result = 0;
  while (i < n && String->Buffer[i] == ' ') i++;
  if (i < n && (String->Buffer[i] == '-' || String->Buffer[i] == '+')) Negative = String->Buffer[i++] == '-';
  if (Base == 0) {
    Base = 10;
    if (i + 1 < n && String->Buffer[i] == '0') {
      WCHAR p = String->Buffer[i + 1];
      if (p == 'x' || p == 'X') Base = 16;
      else if (p == 'o' || p == 'O') Base = 8;
      else if (p == 'b' || p == 'B') Base = 2;
      if (Base != 10) i += 2;
    }
  }
  for (; i < n; i++) {
    WCHAR c = String->Buffer[i];
    ULONG d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'z' ? c - 'a' + 10 : c >= 'A' && c <= 'Z' ? c - 'A' + 10 : 99;
    if (d >= Base) break;
    Result = Result * Base + d;
  }
  *Value = Negative ? (ULONG)(-(LONG)Result) : Result;
  return STATUS_SUCCESS;
}
