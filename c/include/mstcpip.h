/* Copyright 2026 the wskemu authors. MIT license.
 * mstcpip.h for wskemu: the IN4ADDR_ / IN6ADDR_ helpers live in ws2ipdef.h. */
#ifndef _MSTCPIP_
#define _MSTCPIP_
#include "ws2ipdef.h"
#endif
