// Copyright 2026 the wskemu authors. MIT license.
// Shared by the example servers: the worker that runs deferred work (what the
// samples' system worker thread does) and the --port argument.

/**
 * A FIFO of work items run one after another at PASSIVE_LEVEL, outside any
 * completion routine or callback — where the samples queue their next WSK call.
 */
export class WorkQueue {
  #tail: Promise<void> = Promise.resolve();

  /** Queues `item` after everything already queued. */
  enqueue(item: () => void | Promise<unknown>): void {
    this.#tail = this.#tail.then(item).then(
      () => {},
      (error) => console.error("work item failed:", error),
    );
  }

  /** Settles once every queued item has run. */
  async drain(): Promise<void> {
    let tail;
    do {
      tail = this.#tail;
      await tail;
    } while (tail !== this.#tail);
  }
}

/** `--port N` (0 picks a free port); null after printing usage when the arguments are wrong. */
export function parsePort(args: string[], fallback: number, script: string): number | null {
  if (args.length === 0) return fallback;
  const [flag, value] = args;
  if (args.length === 2 && flag === "--port" && /^\d+$/.test(value!) && Number(value) < 65536) {
    return Number(value);
  }
  console.error(`usage: deno run -A ${script} [--port N]   (default ${fallback}; 0 picks a free port)`);
  return null;
}
