// Copyright 2026 the wskemu authors. MIT license.
// Real clients for the C servers: TCP echo streams and UDP datagram rounds.
import { createSocket } from "node:dgram";
import { randomBytes, sha256 } from "../_wsk.ts";

/**
 * Sends `size` random bytes (seeded) over TCP in uneven writes, half-closes,
 * reads the echo to EOF; true when the SHA-256 of what came back matches.
 */
export async function echoesBack(
  hostname: string,
  port: number,
  size: number,
  seed: number,
): Promise<boolean> {
  const data = randomBytes(size, seed);
  const conn = await Deno.connect({ hostname, port });
  try {
    const writing = (async () => {
      for (let at = 0, step = 1; at < data.length; step = (step * 7 + 13) % 60_000 + 1) {
        at += await conn.write(data.subarray(at, Math.min(at + step, data.length)));
      }
      await conn.closeWrite();
    })();
    const back = new Uint8Array(size + 1);
    let got = 0;
    for (;;) {
      const n = await conn.read(back.subarray(got));
      if (n === null) break;
      got += n;
      if (got > size) break;
    }
    await writing;
    return got === size && (await sha256(back.subarray(0, got))) === (await sha256(data));
  } finally {
    conn.close();
  }
}

/**
 * Sends `count` numbered datagrams to a UDP echo server, at most `window` in
 * flight, and returns the numbers that never came back (after `quietMs`
 * without progress).
 */
export async function lostDatagrams(
  hostname: string,
  port: number,
  count: number,
  window = 32,
  quietMs = 3000,
): Promise<number[]> {
  const socket = createSocket(hostname.includes(":") ? "udp6" : "udp4");
  const back = new Set<number>();
  let next = 0;
  let progress: () => void = () => {};
  const payload = (i: number) => {
    const b = new Uint8Array(64 + (i % 512));
    new DataView(b.buffer).setUint32(0, i);
    b.fill(i & 0xff, 4);
    return b;
  };
  const sendOne = () => {
    const i = next++;
    socket.send(payload(i), port, hostname);
  };
  socket.on("message", (message: Uint8Array) => {
    const i = new DataView(message.buffer, message.byteOffset).getUint32(0);
    if (message.length === 64 + (i % 512) && message[message.length - 1] === (i & 0xff)) {
      back.add(i);
    }
    if (next < count) sendOne();
    progress();
  });
  await new Promise<void>((resolve) => socket.bind(0, hostname, resolve));
  try {
    for (let i = 0; i < Math.min(window, count); i++) sendOne();
    while (back.size < count) {
      const before = back.size;
      const timer = new Promise<void>((resolve) => {
        const t = setTimeout(resolve, quietMs);
        progress = () => {
          clearTimeout(t);
          resolve();
        };
      });
      await timer;
      if (back.size === before) break;
    }
  } finally {
    progress = () => {};
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
  return Array.from({ length: count }, (_, i) => i).filter((i) => !back.has(i));
}
