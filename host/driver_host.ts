// Copyright 2026 the wskemu authors. MIT license.
/**
 * The driver host: loads a driver the way Windows does — a DRIVER_OBJECT, a
 * RegistryPath with the driver's parameters under it, DriverEntry — keeps it
 * running, then runs DriverUnload and reports what it still held. Driver
 * Verifier options, the IRP trace and hang detection are set for the run
 * and put back after it. Tests use {@linkcode DriverHost} in-process; the
 * command line (`deno task driver run`) is a thin layer over it.
 *
 * @module
 */
import { BugCheckError, formatAddress, objectAddress } from "../irp/bugcheck.ts";
import { completionQueueIdle, onBugCheck } from "../irp/completion.ts";
import { DO_DEVICE_INITIALIZING, DRIVER_OBJECT } from "../irp/device.ts";
import { dumpIrp } from "../irp/dump.ts";
import type { IRP } from "../irp/irp.ts";
import { NT_SUCCESS, type NTSTATUS, ntStatusName, STATUS_UNSUCCESSFUL } from "../irp/ntstatus.ts";
import {
  REG_DWORD,
  REG_SZ,
  registryCreateKey,
  registryDeleteKey,
  registrySetValue,
} from "../irp/registry.ts";
import {
  DriverVerifier,
  type DriverVerifierSettings,
  observeLowResources,
  verifierRandom,
  verifierSeed,
} from "../irp/verifier.ts";
import { hooks } from "../irp/_hooks.ts";
import { unhandledException } from "../irp/_unhandled.ts";
import { trackedIrps, trackedMdls, trackedPool } from "../irp/_tracking.ts";
import { RtlInitUnicodeString, type UNICODE_STRING } from "../wsk/structures.ts";
import { analyzeBugCheck, type DriverSource, readDriverSource } from "./analyze.ts";
import type { DriverModule } from "./driver_module.ts";
import { type Baseline, baseline, collect } from "./leaks.ts";
import { formatUnloadReport, relativeSite, type UnloadReport, verdict } from "./report.ts";
import { DRIVER_TRACK, QUEUE_TRACK, TraceRecorder } from "./trace.ts";
import { VERIFIER_STANDARD } from "./verifier_flags.ts";

/** Where every driver's service key lives, as on Windows. */
export const SERVICES_KEY = "\\Registry\\Machine\\System\\CurrentControlSet\\Services";

/** How a run is set up. */
export interface DriverHostOptions {
  /** The service name (`\Driver\NAME`, `...\Services\NAME`); default `driver`. */
  name?: string;
  /** Registry values under `<RegistryPath>\Parameters`: an integer text is a REG_DWORD, else REG_SZ. */
  parameters?: Record<string, string>;
  /** Driver Verifier settings for the run; default verifier.exe's standard set (see `VERIFIER_STANDARD`). */
  verifier?: DriverVerifierSettings;
  /** The seed of the verifier's random decisions (low resources, completion timing); default 1. */
  seed?: number;
  /**
   * Record the whole IRP trace (`--trace`), even with every verifier option
   * off. Without it, a verifier option keeps only the last events, for its
   * reports.
   */
  trace?: boolean;
  /** Where bug-check reports and hang reports go as they happen; default console.error. */
  log?: (text: string) => void;
  /** The driver's source file, to name a routine's line when a bug check has no driver frame. */
  source?: string;
  /**
   * How long `stop()` waits for DriverUnload to return before it reports it
   * stuck and takes the unload report anyway; default the verifier's hang
   * threshold when set, else 10,000 ms.
   */
  unloadTimeoutMs?: number;
}

/**
 * Calls whose IRP may wait as long as the network is quiet, which hang
 * detection leaves alone: WskAccept waits for a client, WskControlClient for
 * the transport list to change, and a stream socket's WskReceive for its peer,
 * which is still there while the receive pends (wskemu completes it at the
 * peer's FIN, with 0 bytes, or at a reset, with the error). A datagram
 * receive has no peer to leave, so one that waits past the threshold is
 * reported (its peer may be gone and nothing would tell it).
 */
const LEGITIMATE_WAITS = new Set(["WskAccept", "WskControlClient", "WskReceive"]);

/** How long `stop()` waits for DriverUnload by default, without a hang threshold. */
const UNLOAD_TIMEOUT_MS = 10_000;

/** A parameter's registry type: REG_DWORD for an integer that fits, REG_SZ otherwise. */
function parameterValue(text: string): [number, number | string] {
  if (/^(0x[0-9a-f]+|\d+)$/i.test(text)) {
    const value = Number(text);
    if (value <= 0xFFFF_FFFF) return [REG_DWORD, value];
  }
  return [REG_SZ, text];
}

/** Events a trace kept only for the verifier's reports holds: the bug-check report shows the last 20. */
const REPORT_EVENTS = 1024;

function anyOn(settings: DriverVerifierSettings): boolean {
  return settings.poolTracking || settings.specialPool || settings.irqlChecking ||
    settings.lowResourcesProbability > 0 || settings.completionDelayMs > 0 ||
    settings.hangThresholdMs > 0;
}

/**
 * One driver, loaded: `start()` runs DriverEntry, `stop()` runs DriverUnload
 * and returns the unload report. Bug checks raised while it runs are
 * collected (and `whenBugCheck` resolves with the first); they are also
 * printed, `!analyze -v` style, through `log`.
 *
 * @example A driver that leaks a pool block
 * ```ts
 * import { DriverHost } from "@wskemu/wsk/host";
 * import { ExAllocatePool2, POOL_FLAG_NON_PAGED, poolTag, STATUS_SUCCESS } from "@wskemu/wsk/irp";
 * import assert from "node:assert/strict";
 *
 * const host = new DriverHost({
 *   DriverEntry(DriverObject) {
 *     ExAllocatePool2(POOL_FLAG_NON_PAGED, 32, poolTag("kaeL"));
 *     DriverObject.DriverUnload = () => {};
 *     return STATUS_SUCCESS;
 *   },
 * }, { name: "leaky", log: () => {} });
 * assert.equal(await host.start(), STATUS_SUCCESS);
 * const report = await host.stop();
 * assert.equal(report.clean, false);
 * assert.equal(report.leaks[0].kind, "pool");
 * assert.equal(report.unloadBugCheck?.p1, 0x62);
 * ```
 */
export class DriverHost {
  // The verifier settings and hooks are global: one run at a time.
  static #active: DriverHost | null = null;
  /** The driver object DriverEntry receives. */
  readonly DriverObject: DRIVER_OBJECT;
  /** `\Registry\Machine\System\CurrentControlSet\Services\NAME`. */
  readonly RegistryPath: UNICODE_STRING;
  /** The IRP trace, when recorded (any verifier option on, or `trace`). */
  readonly trace: TraceRecorder | null;
  /** Bug checks so far. */
  readonly bugChecks: BugCheckError[] = [];
  /** Resolves with the first bug check of the run. */
  readonly whenBugCheck: Promise<BugCheckError>;

  readonly #driver: DriverModule;
  readonly #name: string;
  readonly #settings: DriverVerifierSettings;
  readonly #log: (text: string) => void;
  readonly #seed: number;
  readonly #source: DriverSource | undefined;
  readonly #hangs: string[] = [];
  readonly #hangReported = new WeakSet<IRP>();
  readonly #unloadTimeoutMs: number;
  #bugCheckWaiters: (() => void)[] = [];
  #entryStatus: NTSTATUS | null = null;
  #entryProblem: string | undefined;
  #base: Baseline | null = null;
  #saved: DriverVerifierSettings | null = null;
  #cleanup: (() => void)[] = [];
  #firstBugCheck!: (error: BugCheckError) => void;

  /**
   * Prepares a run of `driver`; nothing happens until `start()`.
   *
   * @param driver The driver module (its DriverEntry).
   * @param options The run's settings.
   */
  constructor(driver: DriverModule, options: DriverHostOptions = {}) {
    this.#driver = driver;
    this.#name = options.name ?? "driver";
    this.#settings = { ...(options.verifier ?? VERIFIER_STANDARD) };
    this.#log = options.log ?? ((text) => console.error(text));
    this.#seed = options.seed ?? 1;
    this.#source = readDriverSource(options.source);
    this.#unloadTimeoutMs = options.unloadTimeoutMs ??
      (this.#settings.hangThresholdMs || UNLOAD_TIMEOUT_MS);
    this.DriverObject = new DRIVER_OBJECT(`\\Driver\\${this.#name}`);
    this.RegistryPath = {} as UNICODE_STRING;
    RtlInitUnicodeString(this.RegistryPath, `${SERVICES_KEY}\\${this.#name}`);
    // Asked for, the trace keeps every event; recorded only for the verifier's
    // reports (last events, hangs, !irp), it keeps the last REPORT_EVENTS, so
    // that a long run under the default verifier stays bounded in memory.
    this.trace = options.trace
      ? new TraceRecorder()
      : anyOn(this.#settings)
      ? new TraceRecorder({ keep: REPORT_EVENTS })
      : null;
    this.whenBugCheck = new Promise((resolve) => this.#firstBugCheck = resolve);
    const parameters = `${this.RegistryPath.Buffer}\\Parameters`;
    for (const [name, text] of Object.entries(options.parameters ?? {})) {
      const [type, value] = parameterValue(text);
      registrySetValue(parameters, name, type, value);
    }
    registryCreateKey(parameters);
  }

  /** Records a bug check: prints its analysis and wakes `whenBugCheck`. */
  #bugCheck(error: BugCheckError): void {
    this.bugChecks.push(error);
    this.trace?.instant(`bug check ${error.message}`, "bugcheck", QUEUE_TRACK, {
      code: error.BugCheckCode,
      parameters: error.BugCheckParameters.map(formatAddress),
    });
    this.#log(
      analyzeBugCheck(error, this.trace?.tail(20) ?? [], this.#irpDumpFor(error), this.#source),
    );
    this.#firstBugCheck(error);
    for (const wake of this.#bugCheckWaiters.splice(0)) wake();
  }

  /** The `!irp` of a tracked IRP whose address is one of the bug check's parameters. */
  #irpDumpFor(error: BugCheckError): string | undefined {
    const wanted = new Set(error.BugCheckParameters);
    for (const Irp of [...trackedIrps.keys(), ...(this.trace?.pending() ?? []).map((p) => p.Irp)]) {
      if (wanted.has(objectAddress(Irp))) {
        return dumpIrp(Irp, this.trace?.ownerOf(Irp));
      }
    }
    return undefined;
  }

  #install(): void {
    this.#saved = { ...DriverVerifier };
    Object.assign(DriverVerifier, this.#settings);
    verifierSeed(this.#seed);
    trackedIrps.clear();
    trackedMdls.clear();
    trackedPool.clear();
    this.#cleanup.push(onBugCheck((error) => this.#bugCheck(error)));
    const unhandled = (event: PromiseRejectionEvent) => {
      event.preventDefault();
      this.#bugCheck(asBugCheck(event.reason, "the driver's code"));
    };
    globalThis.addEventListener("unhandledrejection", unhandled);
    this.#cleanup.push(() => globalThis.removeEventListener("unhandledrejection", unhandled));
    const trace = this.trace;
    if (trace) {
      hooks.call = (name, args) => {
        trace.call(name, args);
        trace.wrapCallbacks(name, args);
      };
      hooks.complete = (Irp) => trace.complete(Irp);
      hooks.thread = (thread, running) => trace.thread(thread, running);
      observeLowResources((what, tag) =>
        trace.instant(
          `low resources: ${what} fails${tag ? ` (tag '${tag}')` : ""}`,
          "verifier",
          DRIVER_TRACK,
        )
      );
      this.#cleanup.push(() => {
        hooks.call = null;
        hooks.complete = null;
        hooks.thread = null;
        observeLowResources(null);
      });
    }
    const delay = this.#settings.completionDelayMs;
    if (delay > 0) {
      hooks.scheduleDrain = (drain) => {
        // 1..delay ms: always later than a microtask, as Force Pending always pends.
        const ms = 1 + Math.floor(verifierRandom() * delay);
        trace?.instant(`completion delay ${ms} ms`, "verifier", QUEUE_TRACK);
        setTimeout(drain, ms);
      };
      this.#cleanup.push(() => hooks.scheduleDrain = null);
    }
    if (this.#settings.hangThresholdMs > 0 && trace) this.#watchHangs(trace);
  }

  #watchHangs(trace: TraceRecorder): void {
    const threshold = this.#settings.hangThresholdMs;
    const timer = setInterval(() => {
      const now = trace.now();
      for (const { Irp, call, start } of trace.pending()) {
        if (now - start < threshold * 1000 || this.#hangReported.has(Irp)) continue;
        if (LEGITIMATE_WAITS.has(call)) continue;
        this.#hangReported.add(Irp);
        const dump = `${call}: IRP pending ${Math.round((now - start) / 1000)} ms, longer than ` +
          `the verifier's ${threshold} ms, and nothing has cancelled it\n` +
          dumpIrp(Irp, trace.ownerOf(Irp));
        this.#hangs.push(dump);
        trace.instant(`hang: ${call}`, "verifier", QUEUE_TRACK);
        this.#log(`*** Driver Verifier: possible hang\n${dump}`);
      }
    }, Math.max(10, Math.floor(threshold / 4)));
    Deno.unrefTimer(timer);
    this.#cleanup.push(() => clearInterval(timer));
  }

  /**
   * Runs DriverEntry with the driver object and registry path. A bug check
   * thrown by it is recorded, and DriverEntry counts as failed. Only one host
   * runs at a time (the verifier settings are global): starting a second
   * before the first stopped throws.
   */
  async start(): Promise<NTSTATUS> {
    if (DriverHost.#active !== null) {
      throw new Error("a DriverHost is already running: stop it before starting another");
    }
    DriverHost.#active = this;
    this.#base = baseline();
    this.#install();
    this.trace?.begin(this.DriverObject, "DriverEntry", DRIVER_TRACK);
    try {
      const returned: unknown = await this.#driver.DriverEntry(
        this.DriverObject,
        this.RegistryPath,
      );
      this.#entryStatus = ntStatusOf(returned);
      if (this.#entryStatus === null) this.#entryProblem = `returned ${describe(returned)}`;
    } catch (error) {
      this.#bugCheck(asBugCheck(error, "DriverEntry"));
      this.#entryStatus = null;
    }
    this.trace?.end(
      this.DriverObject,
      this.#entryStatus === null ? "(threw)" : ntStatusName(this.#entryStatus),
    );
    // As the I/O manager does for devices a driver creates in DriverEntry.
    for (let device = this.DriverObject.DeviceObject; device; device = device.NextDevice) {
      device.Flags &= ~DO_DEVICE_INITIALIZING;
    }
    return this.#entryStatus ?? STATUS_UNSUCCESSFUL;
  }

  /**
   * Runs DriverUnload (when DriverEntry succeeded and set it), waits for the
   * completion queue, collects what the driver still holds, puts the
   * verifier settings back, and returns the report.
   */
  async stop(): Promise<UnloadReport> {
    const unload = this.DriverObject.DriverUnload;
    const succeeded = this.#entryStatus !== null && NT_SUCCESS(this.#entryStatus);
    let unloadStuckMs: number | undefined;
    if (succeeded && unload) {
      if (!await this.#unload(unload)) unloadStuckMs = this.#unloadTimeoutMs;
    }
    await completionQueueIdle();
    const held = collect(this.#base ?? baseline(), this.#settings.poolTracking, this.DriverObject);
    held.leaks.push(...(this.#driver.leaks?.() ?? []));
    const pendingDumps = held.pending.map(({ Irp, site }) =>
      dumpIrp(Irp, this.trace?.ownerOf(Irp)) + `\n allocated at ${relativeSite(site)}`
    );
    this.halt();
    const partial = {
      name: this.#name,
      entryStatus: this.#entryStatus,
      ...(this.#entryProblem === undefined ? {} : { entryProblem: this.#entryProblem }),
      ...(succeeded && !unload ? { noUnload: true } : {}),
      bugChecks: this.bugChecks,
      leaks: held.leaks,
      hangs: this.#hangs,
      pendingDumps,
      ...(unloadStuckMs === undefined ? {} : { unloadStuckMs }),
    };
    return { ...partial, ...verdict(partial) };
  }

  /**
   * Ends the run without DriverUnload, as after a bug check (the machine
   * stopped): puts the verifier settings and hooks back and removes the
   * service key, so that another host may start. `stop()` does it too.
   */
  halt(): void {
    for (const undo of this.#cleanup.splice(0).reverse()) undo();
    if (this.#saved) Object.assign(DriverVerifier, this.#saved);
    this.#saved = null;
    if (DriverHost.#active === this) DriverHost.#active = null;
    registryDeleteKey(this.RegistryPath.Buffer);
  }

  /**
   * Runs DriverUnload; false when it had not returned after the unload
   * timeout. A bug check while it runs ends the wait at once: the machine
   * stopped, and what the unload waited for (a close the bug check
   * prevented) will never come.
   */
  async #unload(unload: NonNullable<DRIVER_OBJECT["DriverUnload"]>): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    this.trace?.begin(unload, "DriverUnload", DRIVER_TRACK);
    const returned = (async () => {
      try {
        await unload(this.DriverObject);
        this.trace?.end(unload, "returned");
      } catch (error) {
        this.trace?.end(unload, "(threw)");
        this.#bugCheck(asBugCheck(error, "DriverUnload"));
      }
      return true;
    })();
    const stopped = new Promise<boolean>((resolve) => {
      this.#bugCheckWaiters.push(() => resolve(true));
      timer = setTimeout(() => resolve(false), this.#unloadTimeoutMs);
    });
    try {
      return await Promise.race([returned, stopped]);
    } finally {
      clearTimeout(timer);
      this.#bugCheckWaiters = [];
    }
  }

  /** The report as text (for a report `stop()` returned). */
  static format(report: UnloadReport): string {
    return formatUnloadReport(report);
  }
}

/**
 * What DriverEntry returned, as an NTSTATUS: a 32-bit integer (a negative one
 * is taken as its unsigned form, as C's NTSTATUS is signed), or null for
 * anything else (undefined when the driver forgot its return, a string, ...).
 */
function ntStatusOf(value: unknown): NTSTATUS | null {
  if (!Number.isInteger(value)) return null;
  const n = value as number;
  return n >= -0x8000_0000 && n <= 0xFFFF_FFFF ? n >>> 0 : null;
}

function describe(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : String(value);
  return `${text.length > 40 ? `${text.slice(0, 40)}…` : text}, not an NTSTATUS`;
}

/** The driver's source text, when it is a readable file. */
/** Whatever a driver entry point threw, as the bug check it stands for. */
function asBugCheck(error: unknown, where: string): BugCheckError {
  if (error instanceof BugCheckError) return error;
  const wrapped = unhandledException(error, where);
  if (error instanceof Error && error.stack) wrapped.stack = error.stack;
  return wrapped;
}
