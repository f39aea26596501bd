/* Copyright 2026 the wskemu authors. MIT license.
 * The few C library routines compilers and drivers call by name. With
 * -mbulk-memory the memory ones are single wasm instructions. */
#include "rt.h"

void *memset(void *Dest, int Value, size_t Count) {
  __builtin_memset(Dest, Value, Count);
  return Dest;
}

void *memcpy(void *Dest, const void *Src, size_t Count) {
  __builtin_memcpy(Dest, Src, Count);
  return Dest;
}

void *memmove(void *Dest, const void *Src, size_t Count) {
  __builtin_memmove(Dest, Src, Count);
  return Dest;
}

int memcmp(const void *A, const void *B, size_t Count) {
  const unsigned char *a = A, *b = B;
  for (size_t i = 0; i < Count; i++)
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

size_t strlen(const char *S) {
  size_t n = 0;
  while (S[n]) n++;
  return n;
}

size_t wcslen(const WCHAR *S) {
  size_t n = 0;
  while (S[n]) n++;
  return n;
}

SIZE_T RtlCompareMemory(const VOID *Source1, const VOID *Source2, SIZE_T Length) {
  const UCHAR *a = Source1, *b = Source2;
  SIZE_T i = 0;
  while (i < Length && a[i] == b[i]) i++;
  return i;
}

ULONG RtlRandomEx(PULONG Seed) {
  /* A linear congruential generator: drivers only need "some" randomness. */
  *Seed = *Seed * 1103515245UL + 12345UL;
  return (*Seed >> 1) & 0x7fffffff;
}
