// Copyright 2026 the wskemu authors. MIT license.
// Failures a loopback peer cannot produce — host and network unreachable, a
// connect timeout — made inside a network namespace this test builds itself
// (root and iproute2 needed; skipped otherwise). Everything stays on the
// namespace's own loopback: no packet leaves it.
import assert from "node:assert/strict";
import { ip, namespacesWork, probeInNamespace, withNamespace } from "../_netns.ts";

Deno.test({
  name: "unreachable hosts and networks, and connect timeouts, complete with their NTSTATUS",
  ignore: !(await namespacesWork()),
  async fn() {
    await withNamespace(async (ns) => {
      const inside = (...args: string[]) => ip("netns", "exec", ns, ...args);
      // Only 127.0.0.1 stays local; 127.9.9.9 gets an "unreachable" route and 127.8.8.8 none.
      await inside("ip", "route", "del", "local", "127.0.0.0/8", "dev", "lo", "table", "local");
      await inside("ip", "route", "replace", "local", "127.0.0.1", "dev", "lo", "table", "local");
      await inside("ip", "route", "add", "unreachable", "127.9.9.9");
      // One SYN retry: a dropped connect times out in about three seconds.
      await inside("sysctl", "-q", "-w", "net.ipv4.tcp_syn_retries=1");
      const probe = await probeInNamespace(ns, new URL("./_unreachable_probe.ts", import.meta.url));
      assert.ok(probe.success, "the probe ran");
      assert.deepEqual(JSON.parse(new TextDecoder().decode(probe.stdout)), {
        host: "STATUS_HOST_UNREACHABLE (0xC000023D)",
        network: "STATUS_NETWORK_UNREACHABLE (0xC000023C)",
        timeout: "STATUS_IO_TIMEOUT (0xC00000B5)",
      });
    });
  },
});
