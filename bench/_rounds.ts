// Copyright 2026 the wskemu authors. MIT license.
// Bench helper: alternating rounds and their medians. Load on a shared machine
// drifts over seconds; running raw, node, WSK, raw, node, WSK, ... and taking
// each one's median makes their ratio fair even when absolute figures are not.

/** Who is measured: raw Deno, node:* (where it is our transport), or WSK. */
export type Side = "raw" | "node" | "wsk";

/** One round of one side: resolves with the figure measured (its unit is the row's). */
export type Round = () => Promise<number>;

/** The rounds of each side that takes part in a row. */
export type Sides = Partial<Record<Side, Round>>;

/** Units of figures. */
export type Unit = "B/s" | "/s" | "µs" | "KiB" | "ns";

/** What a row measured, before it is named. */
export interface Figures {
  /** The figures' unit: bytes/s and operations/s are better higher, the others lower. */
  unit: Unit;
  /** Each side's median. */
  figures: Partial<Record<Side, number>>;
  /** What else the row found (losses, order). */
  note?: string;
  /** False when WSK lost or reordered data. */
  orderKept?: boolean;
}

/** One measured row: each side's median figure. */
export interface Measured extends Figures {
  /** Which figure. */
  path: string;
}

/**
 * How many measured rounds per side (after one warm-up round each): 9, or
 * `--rounds N`. Many short rounds give steadier medians than a few long ones
 * when other work on the machine comes and goes.
 */
export const ROUNDS: number = roundsOption();

function roundsOption(): number {
  const at = Deno.args.indexOf("--rounds");
  return at >= 0 ? Math.max(1, Number(Deno.args[at + 1]) | 0) : 9;
}

/** The median of `values`. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Runs one warm-up round per side (unless told not to), then `rounds`
 * alternating rounds; returns each side's median. The order rotates from
 * round to round (raw, node, WSK; node, WSK, raw; ...): a side that leaves
 * garbage for the next round to collect does not always charge the same side.
 */
export async function alternate(
  sides: Sides,
  rounds = ROUNDS,
  warmUp = true,
): Promise<Partial<Record<Side, number>>> {
  const entries = Object.entries(sides) as [Side, Round][];
  const figures = new Map<Side, number[]>(entries.map(([side]) => [side, []]));
  if (warmUp) { for (const [, round] of entries) await round(); }
  for (let i = 0; i < rounds; i++) {
    for (let j = 0; j < entries.length; j++) {
      const [side, round] = entries[(i + j) % entries.length]!;
      figures.get(side)!.push(await round());
    }
  }
  if (Deno.args.includes("--verbose")) {
    for (const [side, values] of figures) {
      console.error(`  ${side}: ${values.map((v) => v.toPrecision(3)).join(" ")}`);
    }
  }
  return Object.fromEntries(entries.map(([side]) => [side, median(figures.get(side)!)]));
}

/** Seconds taken by `work`. */
export async function timed(work: () => unknown): Promise<number> {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}

/**
 * Measures a row, named `path`, only if `only` matches it, and gives it to
 * `add`. A row that fails (a refused connection on a busy machine, say) is
 * reported as failed, and the other rows still run.
 */
export function rowRunner(
  only: RegExp,
  add: (row: Measured) => void,
): (path: string, measure: () => Promise<Figures>) => Promise<void> {
  return async (path, measure) => {
    if (!only.test(path)) return;
    try {
      add({ path, ...await measure() });
    } catch (error) {
      console.error(`${path} failed:`, error);
      add({ path, unit: "/s", figures: {}, note: `failed: ${String(error)}`, orderKept: false });
    }
  };
}
