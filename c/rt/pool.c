/* Copyright 2026 the wskemu authors. MIT license.
 * Pool in linear memory. Every block carries a header with its tag, size and
 * the C function and file:line that allocated it, and sits on a live list the
 * host walks for the unload report. Freed blocks are poisoned with 0xDD, as
 * Driver Verifier's special pool does, and rest in a quarantine ring before
 * they are reused, so a use-after-free reads poison instead of a new owner's
 * data. Blocks are reused by power-of-two size class; the heap never shrinks. */
#include "rt.h"

#define POOL_LIVE 0x4C6F6F50UL  /* 'PooL' */
#define POOL_FREED 0x65657246UL /* 'Free' */
#define POOL_POISON 0xDD
#define QUARANTINE 512
#define QUARANTINE_BYTES (4UL << 20) /* freed blocks wait this long (in bytes freed after them) */
#define CLASSES 28


extern unsigned char __heap_base;
static ULONG_PTR Bump;
static RT_POOL_BLOCK LiveHead = {0, 0, 0, 0, 0, 0, 0, &LiveHead, &LiveHead, 0};
static RT_POOL_BLOCK *FreeLists[CLASSES];
static RT_POOL_BLOCK *Quarantine[QUARANTINE];
static ULONG QuarantineNext;
static ULONG QuarantineOldest;
static SIZE_T QuarantineBytes;
static int Poison = 1;

/* The host's view: the live list, the header layout, poisoning on or off. */
RT_EXPORT(rtPoolLiveHead) RT_POOL_BLOCK *rtPoolLiveHead(void) { return &LiveHead; }
RT_EXPORT(rtPoolSetPoison) void rtPoolSetPoison(int On) { Poison = On; }
RT_EXPORT(rtPoolHeaderSize) ULONG rtPoolHeaderSize(void) { return sizeof(RT_POOL_BLOCK); }

static ULONG ClassOf(SIZE_T Size) {
  ULONG c = 0;
  while (((SIZE_T)16 << c) < Size) c++;
  return c;
}

static RT_POOL_BLOCK *Carve(ULONG Class) {
  SIZE_T Capacity = (SIZE_T)16 << Class;
  ULONG_PTR End = (ULONG_PTR)__builtin_wasm_memory_size(0) * 65536;
  if (Bump == 0) Bump = ((ULONG_PTR)&__heap_base + 15) & ~(ULONG_PTR)15;
  if (End - Bump < sizeof(RT_POOL_BLOCK) + Capacity) return NULL;
  RT_POOL_BLOCK *Block = (RT_POOL_BLOCK *)Bump;
  Bump += sizeof(RT_POOL_BLOCK) + Capacity;
  Block->Capacity = (ULONG)Capacity;
  return Block;
}

static void Reclaim(RT_POOL_BLOCK *Block) {
  ULONG Class = ClassOf(Block->Capacity);
  Block->Next = FreeLists[Class];
  FreeLists[Class] = Block;
}

/* The oldest quarantined block becomes reusable. */
static void ReleaseOldest(void) {
  RT_POOL_BLOCK *Block = Quarantine[QuarantineOldest];
  if (Block == NULL) return;
  Quarantine[QuarantineOldest] = NULL;
  QuarantineOldest = (QuarantineOldest + 1) % QUARANTINE;
  QuarantineBytes -= Block->Capacity;
  Reclaim(Block);
}

/* A free block of this class or, failing that, of a larger one. */
static RT_POOL_BLOCK *FromFreeLists(ULONG Class) {
  for (ULONG c = Class; c < CLASSES; c++) {
    RT_POOL_BLOCK *Block = FreeLists[c];
    if (Block != NULL) {
      FreeLists[c] = Block->Next;
      return Block;
    }
    if (c > Class + 2) break; /* do not waste more than 8x */
  }
  return NULL;
}

static RT_POOL_BLOCK *Take(ULONG Class) {
  RT_POOL_BLOCK *Block = FreeLists[Class];
  if (Block != NULL) {
    FreeLists[Class] = Block->Next;
    return Block;
  }
  Block = Carve(Class);
  if (Block != NULL) return Block;
  /* Out of fresh memory: larger free blocks, then the quarantine, oldest first. */
  Block = FromFreeLists(Class);
  while (Block == NULL && QuarantineBytes > 0) {
    ReleaseOldest();
    Block = FromFreeLists(Class);
  }
  return Block;
}

PVOID rtAllocatePool(ULONG PoolType, SIZE_T NumberOfBytes, ULONG Tag, int Flags, const char *Function,
                     const char *Site) {
  if (PoolType == 0xFFFFFFFFUL) return NULL; /* ExAllocatePool2 without exactly one pool flag */
  if ((Flags & RT_POOL_INTERNAL) == 0) {
    if (Tag == 0) rtBugCheck(RT_BAD_POOL_CALLER, 0x9B, 0, NumberOfBytes, 0, "pool allocation with a tag of zero");
    if ((PoolType & 1) && KeGetCurrentIrql() > APC_LEVEL)
      rtBugCheck(RT_BAD_POOL_CALLER, 0x08, KeGetCurrentIrql(), 1, NumberOfBytes,
                 "paged pool allocated above APC_LEVEL");
    if (NumberOfBytes > 0x7FFFFFFF || rtLowResources()) return NULL;
  }
  ULONG Class = ClassOf(NumberOfBytes ? NumberOfBytes : 1);
  if (Class >= CLASSES) return NULL;
  RT_POOL_BLOCK *Block = Take(Class);
  if (Block == NULL) return NULL;
  Block->Magic = POOL_LIVE;
  Block->Tag = Tag;
  Block->Size = (ULONG)NumberOfBytes;
  Block->Flags = (ULONG)Flags;
  Block->Function = Function;
  Block->Site = Site;
  Block->Reserved = 0;
  Block->Next = LiveHead.Next;
  Block->Prev = &LiveHead;
  LiveHead.Next->Prev = Block;
  LiveHead.Next = Block;
  if (Flags & RT_POOL_ZERO) __builtin_memset(Block + 1, 0, NumberOfBytes);
  return Block + 1;
}

/* Pool the host allocates on the driver's behalf (a registry string it must free): listed if leaked. */
RT_EXPORT(rtAllocateForDriver) PVOID rtAllocateForDriver(SIZE_T NumberOfBytes, ULONG Tag, const char *Function) {
  return rtAllocatePool(PagedPool, NumberOfBytes, Tag, RT_POOL_ZERO, Function, "");
}

RT_EXPORT(rtAllocateInternal) PVOID rtAllocateInternal(SIZE_T NumberOfBytes, ULONG Tag) {
  return rtAllocatePool(0, NumberOfBytes, Tag, RT_POOL_INTERNAL | RT_POOL_ZERO, "wskemu", "wskemu");
}

static void FreeBlock(PVOID P, ULONG Tag, int CheckTag) {
  ULONG_PTR End = (ULONG_PTR)__builtin_wasm_memory_size(0) * 65536;
  if (P == NULL || (ULONG_PTR)P < sizeof(RT_POOL_BLOCK) || (ULONG_PTR)P >= End)
    rtBugCheck(RT_BAD_POOL_CALLER, 0x43, (ULONG_PTR)P, 0, 0, "freeing memory that was never allocated from pool");
  RT_POOL_BLOCK *Block = (RT_POOL_BLOCK *)P - 1;
  if (Block->Magic == POOL_FREED)
    rtBugCheck(RT_BAD_POOL_CALLER, 0x07, 0, Block->Tag, (ULONG_PTR)P, "pool freed twice");
  if (Block->Magic != POOL_LIVE)
    rtBugCheck(RT_BAD_POOL_CALLER, 0x43, (ULONG_PTR)P, 0, 0, "freeing memory that was never allocated from pool");
  if (CheckTag && Tag != Block->Tag)
    rtBugCheck(RT_BAD_POOL_CALLER, 0x0A, (ULONG_PTR)P, Block->Tag, Tag, "pool freed with a tag it was not allocated with");
  Block->Prev->Next = Block->Next;
  Block->Next->Prev = Block->Prev;
  Block->Magic = POOL_FREED;
  Block->Next = Block->Prev = NULL;
  if (Poison) __builtin_memset(P, POOL_POISON, Block->Capacity);
  if (Quarantine[QuarantineNext] != NULL) ReleaseOldest(); /* the ring is full: its oldest goes */
  Quarantine[QuarantineNext] = Block;
  QuarantineNext = (QuarantineNext + 1) % QUARANTINE;
  QuarantineBytes += Block->Capacity;
  while (QuarantineBytes > QUARANTINE_BYTES && Quarantine[QuarantineOldest] != Block) ReleaseOldest();
}

VOID ExFreePoolWithTag(PVOID P, ULONG Tag) { FreeBlock(P, Tag, 1); }

RT_EXPORT(ExFreePool) VOID ExFreePool(PVOID P) { FreeBlock(P, 0, 0); }

VOID ExInitializeNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside, PALLOCATE_FUNCTION Allocate,
                                     PFREE_FUNCTION Free, ULONG Flags, SIZE_T Size, ULONG Tag, USHORT Depth) {
  UNREFERENCED_PARAMETER(Flags);
  UNREFERENCED_PARAMETER(Depth);
  Lookaside->Type = NonPagedPoolNx;
  Lookaside->Tag = Tag;
  Lookaside->Size = Size;
  Lookaside->Allocate = Allocate;
  Lookaside->Free = Free;
}

VOID ExDeleteNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside) { UNREFERENCED_PARAMETER(Lookaside); }

PVOID rtLookasideAllocate(PNPAGED_LOOKASIDE_LIST Lookaside, const char *Function, const char *Site) {
  if (Lookaside->Allocate != NULL) return Lookaside->Allocate(Lookaside->Type, Lookaside->Size, Lookaside->Tag);
  return rtAllocatePool(Lookaside->Type, Lookaside->Size, Lookaside->Tag, 0, Function, Site);
}

VOID ExFreeToNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside, PVOID Entry) {
  if (Lookaside->Free != NULL) Lookaside->Free(Entry);
  else ExFreePool(Entry);
}
