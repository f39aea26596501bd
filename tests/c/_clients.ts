// Copyright 2026 the wskemu authors. MIT license.
// Real clients for the C servers: TCP echo streams and UDP datagram rounds.
import { randomBytes, sha256 } from "../_wsk.ts";

/**
 * Sends `size` random bytes (seeded) over TCP in uneven writes, half-closes,
 * reads the echo to EOF; true when the SHA-256 of what came back matches.
 */
export async function echoesBack(hostname: string, port: number, size: number, seed: number): Promise<boolean> {
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
