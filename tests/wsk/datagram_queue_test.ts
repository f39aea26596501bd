// Copyright 2026 the wskemu authors. MIT license.
// The FIFO of held datagrams keeps arrival order through every way it is used.
import assert from "node:assert/strict";
import { DatagramFifo, type HeldDatagram } from "../../wsk/_datagram_queue.ts";

const datagram = (n: number): HeldDatagram => ({
  data: new Uint8Array([n]),
  from: { hostname: "127.0.0.1", port: 1000 + n, family: 4 },
});
const numbers = (datagrams: (HeldDatagram | undefined)[]) => datagrams.map((d) => d?.data[0]);

Deno.test("the datagram FIFO gives datagrams back in arrival order across shifts, compaction and takeAll", () => {
  const fifo = new DatagramFifo();
  for (let n = 0; n < 200; n++) fifo.push(datagram(n));
  const shifted = Array.from({ length: 150 }, () => fifo.shift());
  assert.deepEqual(numbers(shifted), Array.from({ length: 150 }, (_, n) => n));
  for (let n = 200; n < 210; n++) fifo.push(datagram(n));
  assert.equal(fifo.length, 60);
  assert.deepEqual(numbers(fifo.takeAll()), Array.from({ length: 60 }, (_, n) => 150 + n));
  assert.equal(fifo.length, 0);
  assert.equal(fifo.shift(), undefined);
});

Deno.test("the datagram FIFO takes refused datagrams back at its head, and is reused once emptied", () => {
  const fifo = new DatagramFifo();
  fifo.push(datagram(1));
  fifo.push(datagram(2));
  const refused = fifo.takeAll();
  fifo.push(datagram(3));
  fifo.unshiftAll(refused);
  assert.deepEqual(numbers([fifo.shift(), fifo.shift(), fifo.shift(), fifo.shift()]), [
    1,
    2,
    3,
    undefined,
  ]);
  fifo.push(datagram(4));
  assert.deepEqual(numbers(fifo.takeAll()), [4]);
  fifo.push(datagram(5));
  fifo.clear();
  assert.equal(fifo.length, 0);
});
