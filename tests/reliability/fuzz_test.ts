// Copyright 2026 the wskemu authors. MIT license.
// The seeded API fuzzer: 8 seeds × 10,000 calls over every dispatch function
// of every socket category, every client-level function and every
// registration function, with garbage IRPs, WSK_BUFs, addresses, boxes and
// callback returns (fuzz_values.ts); even seeds run the client over the fault
// transport of @wskemu/wsk/testing. Each seed runs in its own process
// (fuzz_seed.ts) that prints a heartbeat; a watchdog here kills a run whose
// heartbeat stops, because a blocked event loop cannot run its own timers.
import assert from "node:assert/strict";
import type { FuzzReport } from "./fuzz_seed.ts";

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
const CALLS = 10_000;
/** No heartbeat for this long: the run's event loop is blocked (generous: the machine is shared). */
const WATCHDOG_MS = 5_000;
/** A run that beats but never finishes (a WskDeregister has its own 10 s deadline inside). */
const RUN_DEADLINE_MS = 60_000;
const SCRIPT = new URL("./fuzz_seed.ts", import.meta.url).pathname;

/** How a run ended: its report, or why it has none. */
interface Outcome {
  report: FuzzReport | null;
  /** The watchdog killed it: no heartbeat for WATCHDOG_MS. */
  blocked: boolean;
  /** The deadline killed it. */
  late: boolean;
  code: number;
  stderr: string;
}

/** Runs one seed in a child process under the watchdog. */
async function runSeed(
  seed: number,
  calls: number,
  mode?: string,
  watchdogMs = WATCHDOG_MS,
): Promise<Outcome> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SCRIPT, String(seed), String(calls), ...(mode ? [mode] : [])],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  let blocked = false, late = false, lastBeat = Date.now();
  const started = Date.now();
  const watchdog = setInterval(() => {
    const now = Date.now();
    if (now - lastBeat < watchdogMs && now - started < RUN_DEADLINE_MS) return;
    if (now - lastBeat >= watchdogMs) blocked = true;
    else late = true;
    clearInterval(watchdog);
    child.kill("SIGKILL");
  }, 200);
  let report: FuzzReport | null = null;
  let pending = "";
  for await (const text of child.stdout.pipeThrough(new TextDecoderStream())) {
    pending += text;
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const line of lines) {
      const message = JSON.parse(line) as { beat?: number; report?: FuzzReport };
      lastBeat = Date.now();
      if (message.report) report = message.report;
    }
  }
  const { code } = await child.status;
  clearInterval(watchdog);
  return { report, blocked, late, code, stderr: await stderr };
}

/** Everything that must be zero in a report, with what it is called. */
function failures(o: Outcome): string[] {
  if (o.blocked) return ["the event loop blocked (the heartbeat stopped)"];
  if (o.late) return [`the run did not finish within ${RUN_DEADLINE_MS} ms`];
  const r = o.report;
  if (!r) return [`no report (exit code ${o.code}): ${o.stderr.slice(-2000)}`];
  const out: string[] = [];
  if (r.exceptions.length) {
    out.push(`exceptions other than BugCheckError: ${r.exceptions.join("; ")}`);
  }
  if (r.uncaught.length) out.push(`uncaught errors: ${r.uncaught.join("; ")}`);
  if (r.doubleCompletions) out.push(`${r.doubleCompletions} IRPs completed more than once`);
  if (r.pendingAfterClose) out.push(`${r.pendingAfterClose} IRPs pending after close`);
  if (r.completedAfterClose) {
    out.push(`${r.completedAfterClose} IRPs completed after the WskCloseSocket of their socket`);
  }
  if (r.unexplainedCancels) {
    out.push(
      `${r.unexplainedCancels} IRPs completed STATUS_CANCELLED though nobody cancelled them`,
    );
  }
  if (r.deregisterTimeouts) out.push(`${r.deregisterTimeouts} WskDeregister calls did not return`);
  if (r.queued["0x44"]) {
    out.push(`${r.queued["0x44"]} MULTIPLE_IRP_COMPLETE_REQUESTS from the queue`);
  }
  return out;
}

Deno.test(`the API fuzzer: ${SEEDS.length} seeds × ${CALLS} calls give only bug checks and statuses, complete every IRP once and always deregister`, async () => {
  const outcomes: Outcome[] = [];
  // Two seeds at a time: one per core.
  for (let i = 0; i < SEEDS.length; i += 2) {
    outcomes.push(...await Promise.all(SEEDS.slice(i, i + 2).map((s) => runSeed(s, CALLS))));
  }
  const problems = outcomes.flatMap((o, i) => failures(o).map((f) => `seed ${SEEDS[i]}: ${f}`));
  assert.deepEqual(problems, []);
  for (const { report } of outcomes) {
    // The run got deep: sockets were made and IRPs completed with success.
    assert.ok(report!.calls >= CALLS, `seed ${report!.seed} made ${report!.calls} calls`);
    assert.ok(report!.sockets > 50, `seed ${report!.seed} made only ${report!.sockets} sockets`);
    assert.ok((report!.completed["STATUS_SUCCESS"] ?? 0) > 100, `seed ${report!.seed} got deep`);
  }
});

Deno.test("the fuzzer's watchdog turns a blocked event loop into a failure", async () => {
  const outcome = await runSeed(0, 0, "--block", 1_000);
  assert.equal(outcome.blocked, true);
  assert.deepEqual(failures(outcome), ["the event loop blocked (the heartbeat stopped)"]);
});
