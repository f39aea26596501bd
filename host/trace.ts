// Copyright 2026 the wskemu authors. MIT license.
/**
 * The IRP trace: what every IRP did during a driver run, recorded from the
 * I/O manager's hooks and written as Chrome Trace Event JSON (which Perfetto
 * and chrome://tracing open). One track per socket, plus the WSK client, the
 * completion queue, the driver's own thread (DriverEntry and DriverUnload are
 * spans on it), one per system thread (its life, start to exit status), and
 * one per device object the application's requests go to; each IRP is a span
 * from the WSK call (or IoCallDriver) to its completion, named with the call
 * it was last issued for (an IRP reused with IoReuseIrp gets a span per call)
 * and the final NTSTATUS; simulated failures, completion delays and bug checks
 * are instant events.
 *
 * @module
 */
import { formatAddress, objectAddress } from "../irp/bugcheck.ts";
import type { IRP } from "../irp/irp.ts";
import { ntStatusName } from "../irp/ntstatus.ts";

/** One Chrome Trace Event (the fields this trace uses). */
export interface TraceEvent {
  /** The event's name: `WskSend → STATUS_SUCCESS`, `bug check 0x44`, ... */
  name: string;
  /** Category: `irp`, `verifier`, `bugcheck`, `driver`. */
  cat: string;
  /** Phase: `X` a complete span, `i` an instant, `M` metadata. */
  ph: "X" | "i" | "M";
  /** Microseconds since the run started. */
  ts: number;
  /** A span's duration in microseconds. */
  dur?: number;
  /** Process id (always 1: the emulated machine). */
  pid: number;
  /** Track: 1 the driver, 2 the completion queue, 3 the WSK client, 10+ one per socket. */
  tid: number;
  /** Instant scope: `t` thread, `g` global. */
  s?: "t" | "g";
  /** Details. */
  args?: Record<string, unknown>;
}

/** Tracks that exist in every trace. */
export const DRIVER_TRACK = 1;
/** The completion queue's track. */
export const QUEUE_TRACK = 2;
/** Provider-level calls (WskSocket, WskGetAddressInfo, ...): the client's track. */
export const CLIENT_TRACK = 3;

// deno-lint-ignore no-explicit-any
type Callback = (...args: any[]) => unknown;

/** A client dispatch table: event callbacks, or (stream sockets) tables nested under Listen/Connect. */
function isClientDispatch(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  return Object.entries(value).some(([key, v]) =>
    (/^Wsk\w+Event$/.test(key) && typeof v === "function") ||
    ((key === "Listen" || key === "Connect") && isClientDispatch(v))
  );
}

// The provider calls that take a client dispatch table (or a box for one).
const CALLS_WITH_CALLBACKS = new Set(["WskSocket", "WskSocketConnect", "WskAccept"]);

interface Open {
  call: string;
  tid: number;
  start: number;
}

/** Options for {@linkcode TraceRecorder}. */
export interface TraceRecorderOptions {
  /**
   * Keep only the last `keep` events (track names always stay): a bounded
   * record for the bug-check report of a long run. Default: every event.
   */
  keep?: number;
}

/**
 * Records a run's events; the driver host feeds it from the hooks.
 *
 * @example A bounded recorder keeps its last events and every track name
 * ```ts
 * import { TraceRecorder } from "@wskemu/wsk/host";
 * import assert from "node:assert/strict";
 *
 * const trace = new TraceRecorder({ keep: 2 });
 * for (let i = 0; i < 5; i++) trace.instant(`event ${i}`, "test", 1);
 * assert.deepEqual(trace.tail(10).map((e) => e.name), ["event 3", "event 4"]);
 * assert.equal(trace.events.filter((e) => e.ph === "M").length, 3);
 * ```
 */
export class TraceRecorder {
  // Track names, then the other events: a bounded recorder drops only the latter.
  readonly #metadata: TraceEvent[] = [];
  #recorded: TraceEvent[] = [];
  readonly #keep: number;
  readonly #open = new Map<IRP, Open>();
  readonly #spans = new Map<object, Open>();
  readonly #tracks = new Map<object, number>();
  readonly #labels = new Map<number, string>([[CLIENT_TRACK, "the WSK client"]]);
  readonly #t0 = performance.now();
  #nextTrack = 10;

  /** A recorder; with `keep`, one that holds only the last `keep` events. */
  constructor(options: TraceRecorderOptions = {}) {
    this.#keep = options.keep ?? Infinity;
    this.#meta(DRIVER_TRACK, "driver (PASSIVE_LEVEL)");
    this.#meta(QUEUE_TRACK, "completion queue (DISPATCH_LEVEL)");
    this.#meta(CLIENT_TRACK, "WSK client");
  }

  #now(): number {
    return Math.round((performance.now() - this.#t0) * 1000);
  }

  /** Every event kept, track names first. */
  get events(): TraceEvent[] {
    return [...this.#metadata, ...this.#kept()];
  }

  /** The recorded events a bounded recorder still holds (it trims in batches). */
  #kept(): TraceEvent[] {
    const recorded = this.#recorded;
    return recorded.length > this.#keep ? recorded.slice(-this.#keep) : recorded;
  }

  #meta(tid: number, name: string): void {
    this.#metadata.push({
      name: "thread_name",
      cat: "",
      ph: "M",
      ts: 0,
      pid: 1,
      tid,
      args: { name },
    });
  }

  #record(event: TraceEvent): void {
    const recorded = this.#recorded;
    recorded.push(event);
    // Trimmed in batches, so that a bounded record costs O(1) per event.
    if (recorded.length >= 2 * this.#keep) this.#recorded = recorded.slice(-this.#keep);
  }

  /** The track of a socket (or the client track for anything else). */
  trackOf(target: unknown): number {
    if (typeof target !== "object" || target === null || "__wskClient" in target) {
      return CLIENT_TRACK;
    }
    const kind = "DriverObject" in target ? "device" : "socket";
    return this.#track(target, () => `${kind} ${formatAddress(objectAddress(target))}`);
  }

  #track(key: object, label: () => string): number {
    let tid = this.#tracks.get(key);
    if (tid === undefined) {
      tid = this.#nextTrack++;
      this.#tracks.set(key, tid);
      const text = label();
      this.#labels.set(tid, text);
      this.#meta(tid, text);
    }
    return tid;
  }

  /**
   * A span that is no IRP's on `tid` begins: DriverEntry, DriverUnload. End
   * it with {@linkcode end}.
   */
  begin(key: object, name: string, tid: number): void {
    this.#spans.set(key, { call: name, tid, start: this.#now() });
  }

  /** Ends the span `key` began, named `NAME → outcome`. */
  end(key: object, outcome: string, cat = "driver"): void {
    const open = this.#spans.get(key);
    if (!open) return;
    this.#spans.delete(key);
    const dur = Math.max(this.#now() - open.start, 1);
    const name = `${open.call} → ${outcome}`;
    this.#record({ name, cat, ph: "X", ts: open.start, dur, pid: 1, tid: open.tid });
  }

  /**
   * A system thread started (`running`) or ended: each thread has its own
   * track, with a span from its start to its end named with its start routine
   * and exit status.
   */
  thread(thread: { StartRoutineName: string; ExitStatus: number }, running: boolean): void {
    if (running) {
      const tid = this.#track(thread, () => `system thread ${thread.StartRoutineName}`);
      this.begin(thread, thread.StartRoutineName, tid);
    } else this.end(thread, ntStatusName(thread.ExitStatus), "thread");
  }

  readonly #wrapped = new WeakMap<object, object>();

  /**
   * A copy of a driver's client dispatch table whose event callbacks also
   * record an instant event on the completion queue's track (they run from
   * it, at DISPATCH_LEVEL), named with the callback and what it returned.
   */
  #wrapTable(table: Record<string, unknown>): object {
    const known = this.#wrapped.get(table);
    if (known) return known;
    const copy: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(table)) {
      if (typeof value === "function" && /^Wsk\w+Event$/.test(key)) {
        copy[key] = this.#wrapCallback(key, value as Callback);
      } else copy[key] = isClientDispatch(value) ? this.#wrapTable(value) : value;
    }
    this.#wrapped.set(table, copy);
    return copy;
  }

  #wrapCallback(name: string, callback: Callback): Callback {
    const wrapped = (...args: unknown[]): unknown => {
      const result = callback(...args);
      const status = typeof result === "number" ? ntStatusName(result) : "(a promise)";
      this.instant(`${name} → ${status}`, "callback", QUEUE_TRACK);
      // WskAcceptEvent hands back the accepted socket's callbacks through a box.
      const box = name === "WskAcceptEvent" ? args[6] as { value: unknown } | null : null;
      if (box && isClientDispatch(box.value)) box.value = this.#wrapTable(box.value);
      return result;
    };
    Object.defineProperty(wrapped, "name", { value: callback.name });
    return wrapped;
  }

  /**
   * Puts wrapped copies of the client dispatch tables among a WSK call's
   * arguments (WskSocket, WskSocketConnect, WskAccept pass them), so the
   * trace sees every event callback. The provider gets the copies.
   */
  wrapCallbacks(name: string, args: unknown[]): void {
    if (!CALLS_WITH_CALLBACKS.has(name)) return;
    for (let i = 1; i < args.length; i++) {
      const arg = args[i];
      if (isClientDispatch(arg)) args[i] = this.#wrapTable(arg);
      else if (typeof arg === "object" && arg !== null && "value" in arg) {
        const box = arg as { value: unknown };
        if (isClientDispatch(box.value)) box.value = this.#wrapTable(box.value);
      }
    }
  }

  /** A WSK call took `Irp` (the last argument of a dispatch routine). */
  call(name: string, args: readonly unknown[]): void {
    const Irp = args[args.length - 1] as IRP | null;
    if (typeof Irp !== "object" || Irp === null || !("IoStatus" in Irp)) return;
    this.#open.set(Irp, { call: name, tid: this.trackOf(args[0]), start: this.#now() });
  }

  /** Who holds `Irp`, for `!irp`: `socket 0x… (WskReceive)`, or undefined. */
  ownerOf(Irp: IRP): string | undefined {
    const open = this.#open.get(Irp);
    if (!open) return undefined;
    const track = this.#labels.get(open.tid) ?? `track ${open.tid}`;
    return `${track} (${open.call}, pending since ${(open.start / 1000).toFixed(1)} ms)`;
  }

  /** IRPs taken by a call and not completed yet, with their call and start time (µs). */
  pending(): { Irp: IRP; call: string; start: number }[] {
    return [...this.#open].map(([Irp, open]) => ({ Irp, call: open.call, start: open.start }));
  }

  /** Microseconds since the run started. */
  now(): number {
    return this.#now();
  }

  /** IoCompleteRequest ran for `Irp`: ends its span with the final status. */
  complete(Irp: IRP): void {
    const open = this.#open.get(Irp);
    const now = this.#now();
    const status = ntStatusName(Irp.IoStatus.Status);
    if (!open) {
      this.instant(`IoCompleteRequest → ${status}`, "irp", QUEUE_TRACK, {
        irp: formatAddress(objectAddress(Irp)),
      });
      return;
    }
    this.#open.delete(Irp);
    const information = Irp.IoStatus.Information;
    this.#record({
      name: `${open.call} → ${status}`,
      cat: "irp",
      ph: "X",
      ts: open.start,
      dur: Math.max(now - open.start, 1),
      pid: 1,
      tid: open.tid,
      // The address is formatted when the trace is written: not on the hot path.
      args: {
        irp: objectAddress(Irp),
        status: Irp.IoStatus.Status >>> 0,
        information: typeof information === "number" ? information : "(object)",
      },
    });
  }

  /** An instant event on `tid`. */
  instant(name: string, cat: string, tid: number, args?: Record<string, unknown>): void {
    this.#record({ name, cat, ph: "i", ts: this.#now(), pid: 1, tid, s: "t", args });
  }

  /** The last `count` events, for the bug-check report. */
  tail(count: number): TraceEvent[] {
    return this.#kept().slice(-count);
  }

  /** The trace as Chrome Trace Event JSON. */
  toJSON(): { traceEvents: TraceEvent[]; displayTimeUnit: "ms" } {
    const traceEvents = this.events.map((e) =>
      typeof e.args?.irp === "number"
        ? { ...e, args: { ...e.args, irp: formatAddress(e.args.irp) } }
        : e
    );
    return { traceEvents, displayTimeUnit: "ms" };
  }
}
