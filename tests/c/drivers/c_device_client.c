/* Copyright 2026 the wskemu authors. MIT license.
 * Not a bug: ts_device.c's requests (buffered, then direct I/O over an MDL
 * chain, then a filter passing requests down) sent to device.c's device, a
 * C driver in another instance with its own memory. */
#define TARGET_DEVICE L"\\Device\\WskemuReverse"
#include "ts_device.c"
