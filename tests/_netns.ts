// Copyright 2026 the wskemu authors. MIT license.
// Test helpers for network namespaces the tests build themselves (root and
// iproute2 needed): `ip`, and a Deno probe run inside a namespace.

/** Runs `ip` with `args`; throws with ip's own message when it fails or is missing. */
export async function ip(...args: string[]): Promise<void> {
  const out = await new Deno.Command("ip", { args, stdout: "null", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`ip ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** Runs the Deno program `script` inside namespace `ns`, with every permission; its stdout is piped. */
export function probeInNamespace(ns: string, script: URL): Promise<Deno.CommandOutput> {
  return new Deno.Command("ip", {
    args: ["netns", "exec", ns, Deno.execPath(), "run", "-A", script.pathname],
    stdout: "piped",
    stderr: "inherit",
  }).output();
}
