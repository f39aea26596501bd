/* Copyright 2026 the wskemu authors. MIT license.
 * What every negative-test driver needs first: a WSK client with the provider NPI captured. */
#include <ntddk.h>
#include <wsk.h>

static WSK_REGISTRATION TestRegistration;
static WSK_PROVIDER_NPI TestNpi;
static const WSK_CLIENT_DISPATCH TestDispatch = {MAKE_WSK_VERSION(1, 0), 0, NULL};

static NTSTATUS TestAttach(void) {
  WSK_CLIENT_NPI Client = {NULL, &TestDispatch};
  NTSTATUS Status = WskRegister(&Client, &TestRegistration);
  if (NT_SUCCESS(Status)) Status = WskCaptureProviderNPI(&TestRegistration, WSK_INFINITE_WAIT, &TestNpi);
  return Status;
}
