/* Copyright 2026 the wskemu authors. MIT license.
 * ntddk.h for wskemu: wdm.h plus the few non-WDM declarations drivers use. */
#ifndef _NTDDK_
#define _NTDDK_
#include "wdm.h"

typedef enum _SYSTEM_INFORMATION_CLASS { SystemBasicInformation = 0 } SYSTEM_INFORMATION_CLASS;
BOOLEAN PsGetVersion(PULONG MajorVersion, PULONG MinorVersion, PULONG BuildNumber, PUNICODE_STRING CSDVersion);

#endif
