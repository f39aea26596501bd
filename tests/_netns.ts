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

/**
 * Whether this machine lets us build a namespace (root, iproute2, the right to
 * mount) and, when `inside` is given, run that command in it (e.g. iptables).
 */
export async function namespacesWork(...inside: string[]): Promise<boolean> {
  if (Deno.uid() !== 0) return false;
  const ns = `wskemu-probe-${crypto.randomUUID().slice(0, 8)}`;
  const ok = (...args: string[]) => ip(...args).then(() => true, () => false);
  if (!(await ok("netns", "add", ns))) return false;
  try {
    return inside.length === 0 || await ok("netns", "exec", ns, ...inside);
  } finally {
    await ok("netns", "del", ns);
  }
}

/** Runs `body` with a fresh namespace whose loopback is up; removes the namespace after. */
export async function withNamespace<T>(body: (ns: string) => Promise<T>): Promise<T> {
  const ns = `wskemu-${crypto.randomUUID().slice(0, 8)}`;
  await ip("netns", "add", ns);
  try {
    await ip("netns", "exec", ns, "ip", "link", "set", "lo", "up");
    return await body(ns);
  } finally {
    await ip("netns", "del", ns).catch(() => {});
  }
}
