// Copyright 2026 the wskemu authors. MIT license.
// Runs an example as a separate process, the way a user would.

/** Output and exit code of a finished example. */
export interface Finished {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** Runs `deno run -A <script> ...args` to the end. */
export async function runExample(script: string, ...args: string[]): Promise<Finished> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

/** A server example running in the background under the driver host. */
export interface Server {
  /** The port from its `listening on ...:PORT` line. */
  port: number;
  /** Sends SIGTERM and waits for the exit; returns what it printed after the first line and its code. */
  stop(): Promise<{ code: number; output: string }>;
}

/**
 * Starts a server example as a user would, with `deno task driver run SCRIPT
 * --param Port=0 ...hostArgs`, and waits for its `listening on` line.
 */
export async function startServer(script: string, ...hostArgs: string[]): Promise<Server> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "host/cli.ts", "run", script, "--param", "Port=0", ...hostArgs],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/listening on .*:(\d+)\n/.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${script} exited before listening: ${text}`);
    text += value;
  }
  const port = Number(/listening on .*:(\d+)\n/.exec(text)![1]);
  return {
    port,
    async stop() {
      child.kill("SIGTERM");
      let rest = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        rest += value;
      }
      const status = await child.status;
      return { code: status.code, output: rest };
    },
  };
}
