// Copyright 2026 the wskemu authors. MIT license.
// Internal: small buffers a datagram socket hands out by the thousand (the
// copies of small datagrams it keeps, the sin_zero of each sender's
// SOCKADDR_IN), carved side by side out of shared slabs. An ArrayBuffer of its
// own each would cost more than its use: the allocation, and its share of GC.

/** Datagrams up to this size are copied into a shared slab; larger ones get their own buffer. */
const SMALL_DATAGRAM = 256;
/** The slab size: a held small datagram keeps at most this much alive (see ownCopy). */
const SLAB_BYTES = 4096;
let slab = new Uint8Array(SLAB_BYTES);
let slabUsed = 0;

/**
 * `length` (at most 256) zero bytes of their own: a view into the current
 * slab, whose bytes are handed out once each. A slab lives while any of its
 * views does, so each view keeps at most 4 KiB alive: memory stays bounded by
 * the datagrams SO_RCVBUF lets a socket hold.
 */
export function slabBytes(length: number): Uint8Array {
  if (slabUsed + length > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    slabUsed = 0;
  }
  return slab.subarray(slabUsed, slabUsed += length);
}

/** A copy of `data` the socket owns (the transport lends its bytes for one call). */
export function ownCopy(data: Uint8Array): Uint8Array {
  if (data.length > SMALL_DATAGRAM) return data.slice();
  const copy = slabBytes(data.length);
  copy.set(data);
  return copy;
}
