/* Copyright 2026 the wskemu authors. MIT license.
 * wskemu_rt.h: what the WDK headers of wskemu need from the C runtime
 * (c/rt/) beyond the WDK names: allocation-site recording and pool flags. */
#ifndef _WSKEMU_RT_H
#define _WSKEMU_RT_H

/* rtAllocatePool Flags. */
#define RT_POOL_ZERO 0x1
#define RT_POOL_INTERNAL 0x2 /* the runtime's own blocks (IRPs, MDLs, sockets): reported by kind */

/* ExAllocatePool2 flags → a POOL_TYPE (bit 0 = paged), or ~0 when no single pool is named. */
#define rtPoolFlagsType(Flags)                                                                      \
  ((((Flags) & 0x40ULL) != 0) + (((Flags) & 0x80ULL) != 0) + (((Flags) & 0x100ULL) != 0) != 1 ?     \
       0xFFFFFFFFUL :                                                                               \
       (((Flags) & 0x100ULL) ? 1UL : 0UL))
#define RT_POOL_FLAGS(Flags) (((Flags) & 0x2ULL) ? 0 : RT_POOL_ZERO)

#endif
