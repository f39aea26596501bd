// Copyright 2026 the wskemu authors. MIT license.
// Internal: the kernel handle table. ZwOpenKey and PsCreateSystemThread put
// objects in it, ObReferenceObjectByHandle reads it and ZwClose empties a slot.

/** Open kernel handles and their objects. */
export const kernelHandles: Map<number, object> = new Map();
// 0x80000000 | n*4: kernel handles are multiples of 4 with the top bit set.
let nextHandle = 0x8000_0004;

/** Puts `object` in the table; returns its new handle. */
export function openHandle(object: object): number {
  const Handle = nextHandle;
  nextHandle += 4;
  kernelHandles.set(Handle, object);
  return Handle;
}
