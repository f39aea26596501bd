// Copyright 2026 the wskemu authors. MIT license.
// Bench helper: starts peer.ts in its own Deno process and talks to it.

/** The peer's ports (see peer.ts). */
export interface PeerPorts {
  sink: number;
  source: number;
  echo: number;
  accept: number;
  udp: number;
}

/** A running peer process: its ports, and one command at a time on its stdin. */
export class Peer {
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #lines: AsyncIterator<string>;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(
    child: Deno.ChildProcess,
    readonly ports: PeerPorts,
    lines: AsyncIterator<string>,
  ) {
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    this.#lines = lines;
  }

  /** Starts the peer and waits for its ports. */
  static async start(): Promise<Peer> {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-net", "--unstable-net", new URL("./peer.ts", import.meta.url).href],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const lines = readLines(child.stdout);
    const first = await lines.next();
    if (first.done) throw new Error("the bench peer exited before it started");
    return new Peer(child, JSON.parse(first.value), lines);
  }

  /** Sends one command line; resolves with the peer's JSON answer. */
  command<T>(line: string): Promise<T> {
    const answer = this.#queue.then(async () => {
      await this.#writer.write(new TextEncoder().encode(line + "\n"));
      const next = await this.#lines.next();
      if (next.done) throw new Error(`the bench peer exited during "${line}"`);
      return JSON.parse(next.value) as T;
    });
    this.#queue = answer.catch(() => {});
    return answer;
  }

  /** Stops the peer. */
  async stop(): Promise<void> {
    await this.#writer.close();
    await this.#child.status;
  }
}

/** The lines of a byte stream. */
export async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let pending = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    pending += chunk;
    for (let end = pending.indexOf("\n"); end >= 0; end = pending.indexOf("\n")) {
      yield pending.slice(0, end);
      pending = pending.slice(end + 1);
    }
  }
}

/**
 * Fills `into` from `conn`; false if the stream ended first. (The peer process
 * stays free of the library, so these raw-socket loops live here, not in
 * tests/_wsk.ts.)
 */
export async function readExactly(conn: Deno.Conn, into: Uint8Array): Promise<boolean> {
  for (let at = 0; at < into.length;) {
    const n = await conn.read(into.subarray(at));
    if (n === null) return false;
    at += n;
  }
  return true;
}

/** Writes all of `bytes` to `conn`. */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}
