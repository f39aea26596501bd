// Copyright 2026 the wskemu authors. MIT license.
// Test helpers for C drivers: build each driver once (cached by the hash of
// its sources, the headers and the runtime), run it in its own process like a
// user would, and skip everything when clang-16 / wasm-ld-16 are missing.
import { buildDriver, INSTALL_COMMAND, toolchainAvailable } from "../../host/_build.ts";

/** True when the C toolchain is installed; otherwise the C tests are ignored. */
export const haveToolchain: boolean = await toolchainAvailable();
if (!haveToolchain) {
  console.warn(`C driver tests ignored: clang-16 and wasm-ld-16 are missing (${INSTALL_COMMAND})`);
}

const ROOT = new URL("../../", import.meta.url).pathname;

async function hashOf(paths: string[]): Promise<string> {
  const parts: Uint8Array[] = [];
  for (const path of paths) parts.push(new TextEncoder().encode(path), await Deno.readFile(path));
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return [...digest.slice(0, 12)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function filesIn(dir: string, ext: string): string[] {
  return [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(ext)).map((e) =>
    `${dir}/${e.name}`
  ).sort();
}

/** The `.wasm` of `sources` (paths from the repository root), built once and cached in the temp dir. */
export async function driverWasm(...sources: string[]): Promise<string> {
  const full = sources.map((s) => ROOT + s);
  // A source's own folder counts too: what it includes from there (_wsk_setup.h, ksocket.h, a .c).
  const folders = [...new Set(full.map((s) => s.replace(/\/[^/]*$/, "")))];
  const inputs = [
    ...full,
    ...folders.flatMap((d) => [...filesIn(d, ".c"), ...filesIn(d, ".h")]),
    ...filesIn(`${ROOT}c/include`, ".h"),
    ...filesIn(`${ROOT}c/rt`, ".c"),
    ...filesIn(`${ROOT}c/rt`, ".h"),
  ];
  const dir = `${Deno.env.get("TMPDIR") ?? "/tmp"}/wskemu-c-drivers`;
  await Deno.mkdir(dir, { recursive: true });
  const output = `${dir}/${sources[0]!.replace(/^.*\//, "").replace(/\.c$/, "")}-${await hashOf(
    inputs,
  )}.wasm`;
  try {
    await Deno.stat(output);
    return output;
  } catch { /* not built yet */ }
  const partial = `${output}.${crypto.randomUUID()}.tmp`;
  if (!(await buildDriver({ output: partial, includes: [], defines: [], sources: full }))) {
    throw new Error(`building ${sources.join(" ")} failed`);
  }
  await Deno.rename(partial, output);
  return output;
}

/** A C driver running in its own process under `deno task driver run`. */
export interface RunningDriver {
  /** Everything printed so far. */
  output(): string;
  /** Waits for a line matching `pattern` and returns its match; rejects if the driver exits first. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  /** SIGTERM (unload), then the exit code and the whole output. */
  stop(): Promise<{ code: number; output: string }>;
  /** The exit, without a signal (for drivers that stop by themselves, e.g. after a bug check). */
  exited(): Promise<{ code: number; output: string }>;
}

/**
 * Starts `deno task driver run wasm --param NAME=VALUE... [options]` (host/cli.ts), as a user
 * would: DriverEntry, then DriverUnload and the unload report on SIGTERM (or after `--for`).
 */
export function startDriver(
  wasm: string,
  parameters: Record<string, number | string> = {},
  options: string[] = [],
): RunningDriver {
  const args = ["run", "-A", `${ROOT}host/cli.ts`, "run", wasm, ...options];
  for (const [name, value] of Object.entries(parameters)) args.push("--param", `${name}=${value}`);
  const child = new Deno.Command(Deno.execPath(), { args, stdout: "piped", stderr: "piped" })
    .spawn();
  let text = "";
  let waiters: (() => void)[] = [];
  const notify = () => {
    const w = waiters;
    waiters = [];
    w.forEach((f) => f());
  };
  let ended = false;
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      text += chunk;
      notify();
    }
  };
  const done = Promise.all([pump(child.stdout), pump(child.stderr)]).then(async () => {
    ended = true;
    notify();
    return (await child.status).code;
  });
  return {
    output: () => text,
    async waitFor(pattern) {
      for (;;) {
        const match = text.match(pattern);
        if (match) return match;
        if (ended) throw new Error(`the driver exited before printing ${pattern}:\n${text}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch { /* it already exited */ }
      return { code: await done, output: text };
    },
    async exited() {
      return { code: await done, output: text };
    },
  };
}

/** Builds one C source and runs it through DriverEntry and straight to DriverUnload (`--for 0`). */
export async function runOnce(source: string): Promise<{ code: number; output: string }> {
  return await startDriver(await driverWasm(source), {}, ["--for", "0"]).exited();
}

/** The unload report of a clean run: nothing held, no bug check. */
export function assertClean(output: string): void {
  for (
    const line of [
      "IRPs still allocated: 0",
      "Pool blocks still allocated: 0",
      "Sockets not closed: 0",
      "Bug checks: 0",
    ]
  ) {
    if (!output.includes(line)) throw new Error(`the unload report lacks "${line}":\n${output}`);
  }
  if (!/clean: DriverEntry succeeded, no bug check, nothing leaked/.test(output)) {
    throw new Error(`the run was not clean:\n${output}`);
  }
}
