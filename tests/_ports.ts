// Copyright 2026 the wskemu authors. MIT license.
// Test helper: a loopback port that refuses connections for certain.

/**
 * A port that refuses connections for as long as it is held: the local port of
 * a live connection (bound, not listening), so no other socket can take it
 * meanwhile, unlike a port that was probed and released. `release()` closes
 * everything.
 */
export async function refusingPort(): Promise<{ port: number; release(): void }> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const [holder, held] = await Promise.all([
    Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
    listener.accept(),
  ]);
  return {
    port: (holder.localAddr as Deno.NetAddr).port,
    release() {
      holder.close();
      held.close();
      listener.close();
    },
  };
}
