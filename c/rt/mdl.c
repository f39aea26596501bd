/* Copyright 2026 the wskemu authors. MIT license.
 * MDLs live in pool; the host builds a wskemu MDL over the same linear memory
 * (a zero-copy view) whenever a WSK call carries one. There is no paging, so
 * locking only checks that the buffer exists: a bad buffer that Windows would
 * fault on inside __try is a bug check here, because SEH handlers never run. */
#include "rt.h"

#define MDL_TAG 'ldMw'

static ULONG_PTR MemoryEnd(void) { return (ULONG_PTR)__builtin_wasm_memory_size(0) * 65536; }

PMDL rtIoAllocateMdl(PVOID VirtualAddress, ULONG Length, BOOLEAN SecondaryBuffer, BOOLEAN ChargeQuota, PIRP Irp,
                     const char *Function, const char *Site) {
  UNREFERENCED_PARAMETER(ChargeQuota);
  if (rtLowResources()) return NULL;
  SIZE_T Size = MmSizeOfMdl(VirtualAddress, Length);
  PMDL Mdl = rtAllocatePool(NonPagedPoolNx, Size, MDL_TAG, RT_POOL_INTERNAL, Function, Site);
  if (Mdl == NULL) return NULL;
  MmInitializeMdl(Mdl, VirtualAddress, Length);
  Mdl->MdlFlags = MDL_ALLOCATED_FIXED_SIZE;
  if (Irp != NULL) {
    if (!SecondaryBuffer || Irp->MdlAddress == NULL) {
      Irp->MdlAddress = Mdl;
    } else {
      PMDL Last = Irp->MdlAddress;
      while (Last->Next != NULL) Last = Last->Next;
      Last->Next = Mdl;
    }
  }
  return Mdl;
}

VOID IoFreeMdl(PMDL Mdl) { ExFreePool(Mdl); }

static void CheckBuffer(PMDL Mdl, const char *What) {
  ULONG_PTR Start = (ULONG_PTR)MmGetMdlVirtualAddress(Mdl);
  if (Start == 0 || Start >= MemoryEnd() || MemoryEnd() - Start < Mdl->ByteCount)
    rtBugCheck(RT_PAGE_FAULT_IN_NONPAGED_AREA, Start, 0, 0, 0, What);
}

VOID MmBuildMdlForNonPagedPool(PMDL MemoryDescriptorList) {
  CheckBuffer(MemoryDescriptorList, "MmBuildMdlForNonPagedPool on a buffer outside memory");
  MemoryDescriptorList->MdlFlags |= MDL_SOURCE_IS_NONPAGED_POOL;
  MemoryDescriptorList->MappedSystemVa = MmGetMdlVirtualAddress(MemoryDescriptorList);
}

VOID MmProbeAndLockPages(PMDL MemoryDescriptorList, KPROCESSOR_MODE AccessMode, LOCK_OPERATION Operation) {
  UNREFERENCED_PARAMETER(AccessMode);
  CheckBuffer(MemoryDescriptorList,
              "MmProbeAndLockPages on a buffer outside memory (Windows raises an exception a __try "
              "would catch; SEH handlers never run on wasm32)");
  MemoryDescriptorList->MdlFlags |= MDL_PAGES_LOCKED;
  if (Operation != IoReadAccess) MemoryDescriptorList->MdlFlags |= MDL_WRITE_OPERATION;
}

VOID MmUnlockPages(PMDL MemoryDescriptorList) {
  MemoryDescriptorList->MdlFlags &= ~(MDL_PAGES_LOCKED | MDL_WRITE_OPERATION | MDL_MAPPED_TO_SYSTEM_VA);
  MemoryDescriptorList->MappedSystemVa = NULL;
}

PVOID MmMapLockedPagesSpecifyCache(PMDL MemoryDescriptorList, KPROCESSOR_MODE AccessMode,
                                   MEMORY_CACHING_TYPE CacheType, PVOID RequestedAddress, ULONG BugCheckOnFailure,
                                   ULONG Priority) {
  UNREFERENCED_PARAMETER(AccessMode);
  UNREFERENCED_PARAMETER(CacheType);
  UNREFERENCED_PARAMETER(RequestedAddress);
  UNREFERENCED_PARAMETER(BugCheckOnFailure);
  UNREFERENCED_PARAMETER(Priority);
  if (rtLowResources()) return NULL;
  MemoryDescriptorList->MappedSystemVa = MmGetMdlVirtualAddress(MemoryDescriptorList);
  MemoryDescriptorList->MdlFlags |= MDL_MAPPED_TO_SYSTEM_VA;
  return MemoryDescriptorList->MappedSystemVa;
}

VOID MmUnmapLockedPages(PVOID BaseAddress, PMDL MemoryDescriptorList) {
  UNREFERENCED_PARAMETER(BaseAddress);
  MemoryDescriptorList->MdlFlags &= ~MDL_MAPPED_TO_SYSTEM_VA;
}

VOID IoBuildPartialMdl(PMDL SourceMdl, PMDL TargetMdl, PVOID VirtualAddress, ULONG Length) {
  UNREFERENCED_PARAMETER(SourceMdl);
  if (Length == 0) Length = SourceMdl->ByteCount - (ULONG)((PCHAR)VirtualAddress - (PCHAR)MmGetMdlVirtualAddress(SourceMdl));
  CSHORT Flags = TargetMdl->MdlFlags & MDL_ALLOCATED_FIXED_SIZE;
  MmInitializeMdl(TargetMdl, VirtualAddress, Length);
  TargetMdl->MdlFlags = Flags | MDL_PARTIAL | MDL_SOURCE_IS_NONPAGED_POOL;
  TargetMdl->MappedSystemVa = VirtualAddress;
}
