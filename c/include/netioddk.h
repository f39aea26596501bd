/* Copyright 2026 the wskemu authors. MIT license.
 * netioddk.h for wskemu: the Network Programming Interface identifiers. */
#ifndef _NETIODDK_
#define _NETIODDK_
#include "wdm.h"

typedef GUID NPIID;
typedef NPIID *PNPIID;
typedef const NPIID *PCNPIID;

typedef enum { MIT_GUID = 1, MIT_IF_LUID } NPI_MODULEID_TYPE;
typedef struct _NPI_MODULEID {
  USHORT Length;
  NPI_MODULEID_TYPE Type;
  union {
    GUID Guid;
    LARGE_INTEGER IfLuid;
  };
} NPI_MODULEID, *PNPI_MODULEID;
typedef const NPI_MODULEID *PCNPI_MODULEID;

/* {2227E803-8D8B-11D4-ABAD-009027719E09}; defined in the C runtime (c/rt/data.c). */
extern const NPIID NPI_WSK_INTERFACE_ID;

#endif
