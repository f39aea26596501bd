// Copyright 2026 the wskemu authors. MIT license.
/**
 * `deno task driver`: the driver host's command line (the entry point is
 * `host/cli.ts`; this module has the logic, so that a driver's own
 * `deno run` entry can call it too).
 *
 *   deno task driver run DRIVER [--param NAME=VALUE]... [--verifier FLAGS] [--seed N]
 *                               [--trace FILE] [--trace-svg FILE] [--json] [--for SECONDS]
 *   deno task driver build [-o out.wasm] [-I dir] [-D NAME[=V]] file.c...
 *
 * `run` loads DRIVER (a `.ts` module exporting DriverEntry, or a `.wasm`),
 * runs DriverEntry, stays until SIGINT/SIGTERM or `--for` ends, runs
 * DriverUnload and prints the unload report. It exits 0 only when
 * DriverEntry succeeded and there was no bug check and no leak; otherwise 1,
 * with the reason in one line. Bad arguments exit 2.
 *
 * @module
 */
import { type BugCheckError, bugCheckName, formatAddress } from "../irp/bugcheck.ts";
import { bugCheckFrame, type DriverSource, readDriverSource } from "./analyze.ts";
import { NT_SUCCESS, ntStatusName } from "../irp/ntstatus.ts";
import { DriverHost } from "./driver_host.ts";
import { DriverLoadError, loadDriver } from "./load.ts";
import { formatUnloadReport, type UnloadReport } from "./report.ts";
import { renderTraceSvg } from "./trace_svg.ts";
import { parseVerifierFlags, VERIFIER_STANDARD, VerifierFlagError } from "./verifier_flags.ts";
import type { DriverVerifierSettings } from "../irp/verifier.ts";
import type { DriverModule } from "./driver_module.ts";
import { errorText } from "../irp/_unhandled.ts";

const USAGE =
  `usage: deno task driver run DRIVER [--param NAME=VALUE]... [--verifier FLAGS] [--seed N]
                            [--trace FILE] [--trace-svg FILE] [--json] [--for SECONDS]
                            [--name NAME] [--memory-pages N]
       deno task driver build [-o out.wasm] [-I dir] [-D NAME[=V]] file.c...
FLAGS: standard (default), none, specialpool, irqlchecking, pooltracking, iochecks,
       faults[=P], faults.tags=T+T, faults.functions=F+F, deadlock[=MS], forcepending[=MS], 0xBITS`;

/** A `run` command line, parsed. */
export interface RunArgs {
  /** The driver's path. */
  driver: string;
  /** `--param` values. */
  parameters: Record<string, string>;
  /** `--verifier`. */
  verifier: DriverVerifierSettings;
  /** `--seed`. */
  seed: number;
  /** `--trace`. */
  trace: string | null;
  /** `--trace-svg`. */
  traceSvg: string | null;
  /** `--json`. */
  json: boolean;
  /** `--for` in seconds, or null to wait for a signal. */
  seconds: number | null;
  /** `--name`, default the driver file's base name. */
  name: string;
  /** `--memory-pages`, for a `.wasm` driver. */
  memoryPages: number | undefined;
}

/** Thrown for a command line the host cannot use; the message is the one line to print. */
export class UsageError extends Error {}

function value(args: string[], i: number, flag: string): string {
  const v = args[i + 1];
  if (v === undefined) throw new UsageError(`${flag} needs a value`);
  return v;
}

const MAX_SECONDS = 2_147_483;

/** A whole decimal number up to `max`, or a UsageError with `message`. */
function count(text: string, max: number, message: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > max) throw new UsageError(message);
  return n;
}

/**
 * Fails with a UsageError, before the driver runs, when `path` cannot be
 * written: better than finding out after a long run.
 */
async function checkWritable(flag: string, path: string | null): Promise<void> {
  if (path === null) return;
  try {
    await (await Deno.open(path, { write: true, create: true })).close();
  } catch (error) {
    throw new UsageError(`${flag} ${path}: cannot write there (${errorText(error)})`);
  }
}

/** Parses `run`'s arguments (after the word `run`). */
export function parseRunArgs(args: string[]): RunArgs {
  const out: RunArgs = {
    driver: "",
    parameters: {},
    verifier: { ...VERIFIER_STANDARD },
    seed: 1,
    trace: null,
    traceSvg: null,
    json: false,
    seconds: null,
    name: "",
    memoryPages: undefined,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    switch (arg) {
      case "--param": {
        const text = value(args, i++, arg);
        const at = text.indexOf("=");
        if (at <= 0) throw new UsageError(`--param ${text}: expected NAME=VALUE`);
        out.parameters[text.slice(0, at)] = text.slice(at + 1);
        break;
      }
      case "--verifier":
        out.verifier = parseVerifierFlags(value(args, i++, arg));
        break;
      case "--seed": {
        const text = value(args, i++, arg);
        out.seed = Number(text);
        if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(out.seed)) {
          throw new UsageError("--seed needs an integer");
        }
        break;
      }
      case "--trace":
        out.trace = value(args, i++, arg);
        break;
      case "--trace-svg":
        out.traceSvg = value(args, i++, arg);
        break;
      case "--json":
        out.json = true;
        break;
      case "--for": {
        const text = value(args, i++, arg);
        out.seconds = Number(text);
        // Up to what a timer can wait (about 24 days).
        if (!/^\d+(\.\d+)?$/.test(text) || out.seconds > MAX_SECONDS) {
          throw new UsageError(`--for ${text}: needs a number of seconds, 0 to ${MAX_SECONDS}`);
        }
        break;
      }
      case "--name":
        out.name = value(args, i++, arg);
        break;
      case "--memory-pages":
        out.memoryPages = count(
          value(args, i++, arg),
          65536,
          "--memory-pages needs a number of 64 KiB pages, 1 to 65536",
        );
        if (out.memoryPages === 0) throw new UsageError("--memory-pages needs at least 1 page");
        break;
      default:
        if (arg.startsWith("-") || out.driver) throw new UsageError(`unexpected argument ${arg}`);
        out.driver = arg;
    }
  }
  if (!out.driver) throw new UsageError("which driver? (a .ts module or a .wasm)");
  out.name ||= out.driver.replace(/^.*\//, "").replace(/\.[^.]*$/, "");
  return out;
}

/** The driver's source file, when it is one (a TS module; a .wasm has none to read). */
function sourcePath(args: RunArgs): string | undefined {
  return args.driver.endsWith(".wasm") ? undefined : args.driver;
}

function driverSource(args: RunArgs): DriverSource | undefined {
  return readDriverSource(sourcePath(args));
}

/** A bug check in the `--json` summary. */
function bugCheckSummary(b: BugCheckError, source?: DriverSource): Record<string, unknown> {
  return {
    code: b.BugCheckCode,
    name: bugCheckName(b.BugCheckCode),
    parameters: b.BugCheckParameters.map(formatAddress),
    rule: b.rule,
    frame: bugCheckFrame(b, source),
  };
}

/** The machine-readable summary `--json` prints. */
function summary(report: UnloadReport, source?: DriverSource): Record<string, unknown> {
  return {
    driver: report.name,
    clean: report.clean,
    reason: report.reason,
    entryStatus: report.entryStatus === null ? null : ntStatusName(report.entryStatus),
    bugChecks: report.bugChecks.map((b) => bugCheckSummary(b, source)),
    unloadBugCheck: report.unloadBugCheck,
    leaks: report.leaks,
    pending: report.pendingDumps.length,
    hangs: report.hangs.length,
  };
}

/** Waits for SIGINT/SIGTERM, the `--for` timer, or a bug check. */
function stayLoaded(seconds: number | null, bugCheck: Promise<unknown>): Promise<void> {
  return new Promise((resolve) => {
    const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = () => {
      for (const signal of signals) Deno.removeSignalListener(signal, done);
      clearTimeout(timer);
      resolve();
    };
    for (const signal of signals) Deno.addSignalListener(signal, done);
    if (seconds !== null) timer = setTimeout(done, seconds * 1000);
    bugCheck.then(done);
  });
}

/** Writes `--trace` and `--trace-svg`; returns the one-line reason when a file cannot be written. */
async function writeTraces(args: RunArgs, host: DriverHost): Promise<string | null> {
  if (!host.trace) return null;
  const files: [string | null, () => string][] = [
    [args.trace, () => JSON.stringify(host.trace!.toJSON())],
    [args.traceSvg, () => renderTraceSvg(host.trace!.events)],
  ];
  for (const [path, text] of files) {
    if (path === null) continue;
    try {
      await Deno.writeTextFile(path, text());
    } catch (error) {
      return `FAILED: cannot write the trace to ${path} (${errorText(error)})`;
    }
  }
  return null;
}

/**
 * `run`: returns the exit code. `loaded` is the driver when the caller has
 * it already (a driver module's own `deno run` entry cannot import itself).
 */
export async function run(argv: string[], loaded?: DriverModule): Promise<number> {
  const args = parseRunArgs(argv);
  await checkWritable("--trace", args.trace);
  await checkWritable("--trace-svg", args.traceSvg);
  const driver = loaded ?? await loadDriver(args.driver, { memoryPages: args.memoryPages });
  const host = new DriverHost(driver, {
    name: args.name,
    parameters: args.parameters,
    verifier: args.verifier,
    seed: args.seed,
    trace: args.trace !== null || args.traceSvg !== null,
    source: sourcePath(args),
  });
  const status = await host.start();
  if (NT_SUCCESS(status) && host.bugChecks.length === 0) {
    await stayLoaded(args.seconds, host.whenBugCheck);
  }
  if (host.bugChecks.length > 0) {
    // The machine stopped: no DriverUnload runs after a bug check.
    host.halt();
    const unwritten = await writeTraces(args, host);
    if (unwritten) console.error(unwritten);
    const line = `FAILED: bug check ${host.bugChecks[0]!.message}`;
    if (args.json) {
      const source = driverSource(args);
      const bugChecks = host.bugChecks.map((b) => bugCheckSummary(b, source));
      console.log(JSON.stringify({ driver: args.name, clean: false, reason: line, bugChecks }));
    }
    console.error(line);
    return 1;
  }
  const report = await host.stop();
  const unwritten = await writeTraces(args, host);
  if (args.json) {
    console.error(formatUnloadReport(report));
    console.log(JSON.stringify(summary(report, driverSource(args))));
  } else {
    console.log(formatUnloadReport(report));
  }
  if (!report.clean) console.error(report.reason);
  if (unwritten) console.error(unwritten);
  return report.clean && !unwritten ? 0 : 1;
}

/** `build`: hands over to the C toolchain driver, imported on demand. */
async function build(args: string[]): Promise<number> {
  const { build } = await import("./_build.ts");
  return await build(args);
}

/**
 * The command line: returns the exit code. `loaded` is the driver `run`
 * names, when the caller has loaded it already.
 */
export async function main(argv: string[], loaded?: DriverModule): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === "run") return await run(rest, loaded);
    if (command === "build") return await build(rest);
    throw new UsageError(command ? `unknown command ${command}` : "run or build?");
  } catch (error) {
    if (error instanceof UsageError || error instanceof VerifierFlagError) {
      console.error(`driver: ${error.message}\n${USAGE}`);
      return 2;
    }
    if (error instanceof DriverLoadError) {
      console.error(`driver: ${error.message}`);
      return 1;
    }
    // Whatever else went wrong, the user gets one line, not a stack trace.
    console.error(`driver: FAILED: ${errorText(error)}`);
    return 1;
  }
}
