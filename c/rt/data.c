/* Copyright 2026 the wskemu authors. MIT license.
 * Data symbols drivers take the address of. They must be defined here: a
 * linker that resolves undefined data to 0 would hand drivers a NULL NPI id. */
#include "rt.h"

const NPIID NPI_WSK_INTERFACE_ID = {0x2227e803, 0x8d8b, 0x11d4, {0xab, 0xad, 0x00, 0x90, 0x27, 0x71, 0x9e, 0x09}};

/* Object types are compared, never dereferenced: any distinct addresses do. */
static char ThreadTypeObject, EventTypeObject;
static POBJECT_TYPE ThreadType = (POBJECT_TYPE)&ThreadTypeObject;
static POBJECT_TYPE EventType = (POBJECT_TYPE)&EventTypeObject;
POBJECT_TYPE *PsThreadType = &ThreadType;
POBJECT_TYPE *ExEventObjectType = &EventType;
