/* Copyright 2026 the wskemu authors. MIT license.
 * The WPP stand-in: what a generated <source>.tmh would provide. The build
 * writes one .tmh per source that includes this header (plus a macro for each
 * custom trace function the source's "begin_wpp config" block declares).
 * Messages go to the host's trace output with their WPP formats
 * (%!STATUS!, %!FUNC!, ...); tracing needs no provider registration. */
#ifndef _WSKEMU_WPP_H
#define _WSKEMU_WPP_H
#include "wdm.h"

#define WPP_INIT_TRACING(...) ((void)0)
#define WPP_CLEANUP(...) ((void)0)
#define WPP_LEVEL_ENABLED(Level) 1
#define WPP_FLAG_ENABLED(Flag) 1
#define WPP_LEVEL_FLAGS_ENABLED(Level, Flags) 1
#define WPP_LEVEL_LOGGER(Level) 0
#define WPP_FLAG_LOGGER(Flag) 0
#define WPP_LEVEL_FLAGS_LOGGER(Level, Flags) 0

VOID rtTraceMessage(const char *Flag, const char *Function, const char *Site, const char *Format, ...)
    __attribute__((import_module("wskemu"), import_name("traceMessage")));
#define DoTraceMessage(Flag, Msg, ...) rtTraceMessage(#Flag, __func__, RT_SITE, Msg, ##__VA_ARGS__)
#define DoTraceLevelMessage(Level, Flag, Msg, ...) rtTraceMessage(#Flag, __func__, RT_SITE, Msg, ##__VA_ARGS__)

#endif
