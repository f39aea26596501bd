// Copyright 2026 the wskemu authors. MIT license.
/**
 * Turns measured rows into what people read: ratios against issue 10's
 * targets, the table, the machine it ran on, and the throughput plot (a
 * hand-written SVG: WSK, raw `Deno.Conn` and `node:net` side by side at each
 * buffer size).
 *
 * @module
 */
import type { Measured, Side, Unit } from "./_rounds.ts";

/** A row with its ratio and target verdict. */
export interface Judged extends Measured {
  /** WSK against the row's baseline, oriented so that the target reads as written. */
  ratio: number | null;
  /** The target, as issue 10 states it, or "" when the row has none. */
  target: string;
  /** Whether the target is met; null without a target. */
  met: boolean | null;
}

interface Target {
  /** Which rows it applies to. */
  match: RegExp;
  /** What the ratio (or, for ns, the WSK figure) must reach. */
  limit: number;
  /** ">=" for ratios that must be high; "<=" for memory and cycle time. */
  op: ">=" | "<=";
  /**
   * Compare with raw's best figure over the same loop at any number of IRPs
   * outstanding, instead of the row's own raw.
   */
  bestLoop?: boolean;
}

const TARGETS: Target[] = [
  { match: /^WskReceive 64 KiB, 1 posted$/, op: ">=", limit: 0.95 },
  { match: /^WskSend 64 KiB/, op: ">=", limit: 0.95 },
  // The 1 KiB send targets apply with and without TCP_NODELAY: under Nagle the
  // kernel's speed is bimodal (see the rows' note), with it the figure is steady.
  { match: /^WskSend 1 KiB, 1 outstanding/, op: ">=", limit: 0.75 },
  { match: /^WskSend 1 KiB, 16 outstanding/, op: ">=", limit: 0.9, bestLoop: true },
  { match: /^WskReceive 1 KiB/, op: ">=", limit: 0.9 },
  { match: /round trip/, op: ">=", limit: 0.95 },
  { match: /^WskSend cycle/, op: "<=", limit: 200 },
  { match: /^connect \+ close/, op: ">=", limit: 0.5 },
  { match: /^idle socket RSS, 10k/, op: "<=", limit: 2 },
  { match: /^WskSendTo/, op: ">=", limit: 0.6 },
  { match: /^WskReceiveFrom/, op: ">=", limit: 0.8 },
];

/** Whether bigger figures are better in `unit`. */
function higherIsBetter(unit: Unit): boolean {
  return unit === "B/s" || unit === "/s";
}

/** WSK's ratio to the baseline: raw, or node:net for memory (the yardstick there). */
function ratioOf(row: Measured, baseline: number | undefined): number | null {
  const wsk = row.figures.wsk;
  if (wsk === undefined || baseline === undefined) return null;
  if (row.unit === "KiB") return wsk / baseline;
  return higherIsBetter(row.unit) ? wsk / baseline : baseline / wsk;
}

/** A row's path with its number of IRPs outstanding left out. */
function sameLoop(path: string): string {
  return path.replace(/\d+ outstanding/, "N outstanding");
}

/** Ratios and verdicts for every row. */
export function judge(rows: Measured[]): Judged[] {
  return rows.map((row) => {
    const target = TARGETS.find((t) => t.match.test(row.path));
    let baseline = row.unit === "KiB" ? row.figures.node : row.figures.raw;
    if (target?.bestLoop) {
      const loop = sameLoop(row.path);
      baseline = Math.max(
        ...rows.filter((r) => sameLoop(r.path) === loop).map((r) => r.figures.raw ?? 0),
      );
    }
    const ratio = ratioOf(row, baseline);
    if (!target) return { ...row, ratio, target: "", met: null };
    const value = row.unit === "ns" ? row.figures.wsk : ratio;
    const met = value !== undefined && value !== null && row.orderKept !== false &&
      (target.op === ">=" ? value >= target.limit : value <= target.limit);
    const yardstick = row.unit === "ns"
      ? " ns"
      : row.unit === "KiB"
      ? "× node"
      : target.bestLoop
      ? "× raw's best"
      : "×";
    return {
      ...row,
      ratio,
      target: `${target.op === ">=" ? "≥" : "≤"} ${target.limit}${yardstick}`,
      met,
    };
  });
}

/** A figure with its unit, e.g. "1.52 GB/s", "83.1 µs". */
export function format(value: number | undefined, unit: Unit): string {
  if (value === undefined) return "—";
  switch (unit) {
    case "B/s":
      return `${(value / 1e9).toFixed(2)} GB/s`;
    case "/s":
      return `${(value / 1e3).toFixed(1)} k/s`;
    case "µs":
      return `${value.toFixed(1)} µs`;
    case "KiB":
      return `${value.toFixed(1)} KiB`;
    case "ns":
      return `${value.toFixed(0)} ns`;
  }
}

/** The table, in Markdown (which also reads well in a terminal). */
export function table(rows: Judged[]): string {
  const lines = [
    "| path | WSK | raw | node | ratio | target | met? |",
    "|---|---:|---:|---:|---:|---|---|",
  ];
  for (const row of rows) {
    const cells = [
      row.path,
      format(row.figures.wsk, row.unit),
      format(row.figures.raw, row.unit),
      format(row.figures.node, row.unit),
      row.ratio === null ? "—" : row.ratio.toFixed(2),
      row.target || "—",
      row.met === null ? "" : row.met ? "yes" : "**no**",
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

/** What the figures were measured on, and how busy it was. */
export function machine(loadBefore: string, loadAfter: string): string {
  const cpuinfo = readOr("/proc/cpuinfo");
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? "unknown CPU";
  const kib = Number(/^MemTotal:\s*(\d+)/m.exec(readOr("/proc/meminfo"))?.[1] ?? 0);
  return [
    `- CPU: ${model}, ${navigator.hardwareConcurrency} cores (nproc)`,
    `- memory: ${(kib / 1024 / 1024).toFixed(1)} GiB`,
    `- Deno ${Deno.version.deno} (V8 ${Deno.version.v8}), ${Deno.build.os} ${Deno.build.arch}`,
    `- load average (1, 5, 15 min) before: ${loadBefore}; after: ${loadAfter}`,
  ].join("\n");
}

/** The first three fields of /proc/loadavg. */
export function loadAverage(): string {
  return readOr("/proc/loadavg").split(" ").slice(0, 3).join(" ");
}

function readOr(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

const COLORS: Record<Side, string> = { raw: "#4c78a8", node: "#9c9c9c", wsk: "#e45756" };
const NAMES: Record<Side, string> = { raw: "raw Deno.Conn", node: "node:net", wsk: "WSK" };

/**
 * Grouped bars of throughput (GB/s) against buffer size, one panel for
 * WskSend and one for WskReceive, both with one IRP in flight.
 */
export function plot(rows: Measured[], sizes: readonly string[]): string {
  const width = 900, height = 600, margin = { left: 60, right: 20, top: 60, bottom: 50 };
  const panels = [
    { title: "WskSend, 1 IRP outstanding", pick: (s: string) => `WskSend ${s}, 1 outstanding` },
    { title: "WskReceive, 1 IRP posted", pick: (s: string) => `WskReceive ${s}, 1 posted` },
  ];
  const sides: Side[] = ["raw", "node", "wsk"];
  const gbps = (path: string, side: Side) =>
    (rows.find((r) => r.path === path)?.figures[side] ?? 0) / 1e9;
  const top = Math.max(
    0.5,
    ...panels.flatMap((p) => sizes.flatMap((s) => sides.map((side) => gbps(p.pick(s), side)))),
  );
  const step = top > 4 ? 1 : 0.5;
  const yMax = Math.ceil(top / step) * step;
  const panelWidth = (width - margin.left - margin.right) / panels.length;
  const plotHeight = height - margin.top - margin.bottom;
  const y = (v: number) => margin.top + plotHeight * (1 - v / yMax);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="13">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="16">` +
    `Throughput against buffer size (GB/s, peer in its own process)</text>`,
  ];
  // Horizontal grid and the y axis labels.
  for (let v = 0; v <= yMax + 1e-9; v += step) {
    out.push(
      `<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(v)}" y2="${y(v)}" ` +
        `stroke="#ddd"/>`,
      `<text x="${margin.left - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(1)}</text>`,
    );
  }
  out.push(
    `<text transform="translate(16 ${margin.top + plotHeight / 2}) rotate(-90)" ` +
      `text-anchor="middle">GB/s</text>`,
  );
  panels.forEach((panel, p) => {
    const left = margin.left + p * panelWidth;
    if (p > 0) {
      out.push(
        `<line x1="${left}" x2="${left}" y1="${margin.top - 25}" y2="${y(0)}" stroke="#999"/>`,
      );
    }
    const group = panelWidth / sizes.length;
    const bar = (group - 16) / sides.length;
    out.push(
      `<text x="${left + panelWidth / 2}" y="${margin.top - 10}" text-anchor="middle">` +
        `${panel.title}</text>`,
    );
    sizes.forEach((size, g) => {
      const x0 = left + g * group + 8;
      sides.forEach((side, b) => {
        const v = gbps(panel.pick(size), side);
        out.push(
          `<rect x="${(x0 + b * bar).toFixed(1)}" y="${y(v).toFixed(1)}" width="${
            (bar - 2).toFixed(1)
          }" height="${(y(0) - y(v)).toFixed(1)}" fill="${COLORS[side]}"/>`,
        );
      });
      out.push(
        `<text x="${(x0 + (group - 16) / 2).toFixed(1)}" y="${height - margin.bottom + 18}" ` +
          `text-anchor="middle">${size}</text>`,
      );
    });
  });
  out.push(
    `<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(0)}" y2="${
      y(0)
    }" stroke="#333"/>`,
  );
  sides.forEach((side, i) => {
    const x = margin.left + 20 + i * 160;
    out.push(
      `<rect x="${x}" y="${height - 20}" width="12" height="12" fill="${COLORS[side]}"/>`,
      `<text x="${x + 18}" y="${height - 10}">${NAMES[side]}</text>`,
    );
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}
