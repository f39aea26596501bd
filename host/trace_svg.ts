// Copyright 2026 the wskemu authors. MIT license.
/**
 * `--trace-svg`: the IRP trace as an SVG timeline. One row per track (the
 * driver, the completion queue, the WSK client, each socket); each IRP is a
 * bar from its call to its completion, coloured by its final status
 * (success green, cancelled grey, warning or timeout amber, error red);
 * DriverEntry, DriverUnload and system threads' lives are blue bars;
 * instant events are ticks, bug checks red diamonds. Spans that overlap on
 * a track are stacked in lanes; long quiet stretches are narrowed, with a
 * break mark on the axis.
 *
 * @module
 */
import { STATUS_CANCELLED, STATUS_SUCCESS, STATUS_TIMEOUT } from "../irp/ntstatus.ts";
import type { TraceEvent } from "./trace.ts";

const ROW = 26;
// A span's lane: spans that overlap on one track are stacked in lanes this tall.
const LANE = 18;
const PAD = 4;
const TOP = 40;
const LABEL = 230;
const WIDTH = 1400;
// Roughly the width of a character of the 12 px axis labels, to keep them apart.
const CHAR_WIDTH = 7;

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&quot;",
  );
}

// The bar colours, which the legend lists.
const SUCCESS = "#3a9d5d";
const CANCELLED = "#9a9a9a";
const WARNING = "#e0a526";
const FAILURE = "#d0453c";
const NOT_AN_IRP = "#5b7fbf";

function colour(e: TraceEvent): string {
  // A thread's life, DriverEntry, DriverUnload: not an IRP, so no status colour.
  const status = e.args?.status;
  if (e.cat !== "irp" || typeof status !== "number") return NOT_AN_IRP;
  if (status === STATUS_CANCELLED) return CANCELLED;
  // The severity bits: success, informational (PENDING, TIMEOUT), warning, error.
  if (status === STATUS_SUCCESS) return SUCCESS;
  if (status >>> 30 === 3) return FAILURE;
  if (status >>> 30 === 0 && status < STATUS_TIMEOUT) return SUCCESS;
  return WARNING;
}

/** A piece of the time axis: `[from, to]` in µs drawn from pixel `x` with `scale` px/µs. */
interface Piece {
  from: number;
  to: number;
  x: number;
  scale: number;
  gap: boolean;
}

// A quiet stretch longer than this share of the run is drawn narrow, so a
// long idle wait does not squeeze the activity into slivers.
const GAP_SHARE = 0.05;
const GAP_WIDTH = 36;

/**
 * The time axis: busy stretches scaled to the width, long quiet ones narrowed
 * to GAP_WIDTH. What is busy is where events happen (a call, a completion, an
 * instant), not the inside of a span: a receive that waits through a quiet
 * minute is drawn across the narrowed gap instead of keeping it wide.
 */
function timeAxis(timed: readonly TraceEvent[], end: number, width: number): Piece[] {
  const points = timed.flatMap((e) => e.dur === undefined ? [e.ts] : [e.ts, e.ts + e.dur])
    .sort((a, b) => a - b);
  const busy: [number, number][] = [];
  for (const at of points) {
    const last = busy[busy.length - 1];
    if (last && at <= last[1] + end * GAP_SHARE) last[1] = Math.max(last[1], at);
    else busy.push([at, at]);
  }
  if (busy.length === 0 || busy[0]![0] > end * GAP_SHARE) busy.unshift([0, 0]);
  else busy[0]![0] = 0;
  const gaps = busy.length - 1;
  const busyTime = busy.reduce((sum, [from, to]) => sum + Math.max(to - from, 1), 0);
  const scale = (width - gaps * GAP_WIDTH) / busyTime;
  const pieces: Piece[] = [];
  let x = LABEL;
  busy.forEach(([from, to], i) => {
    if (i > 0) {
      const previous = busy[i - 1]![1];
      pieces.push({ from: previous, to: from, x, scale: GAP_WIDTH / (from - previous), gap: true });
      x += GAP_WIDTH;
    }
    pieces.push({ from, to: Math.max(to, from + 1), x, scale, gap: false });
    x += Math.max(to - from, 1) * scale;
  });
  return pieces;
}

function place(pieces: readonly Piece[], ts: number): number {
  const piece = pieces.find((p) => ts <= p.to) ?? pieces[pieces.length - 1]!;
  return piece.x + (Math.min(Math.max(ts, piece.from), piece.to) - piece.from) * piece.scale;
}

/**
 * Renders the events of a trace as an SVG document.
 *
 * @example Usage
 * ```ts
 * import { renderTraceSvg, TraceRecorder } from "@wskemu/wsk/host";
 * import assert from "node:assert/strict";
 *
 * const svg = renderTraceSvg(new TraceRecorder().events);
 * assert.match(svg, /^<svg /);
 * assert.match(svg, /completion queue/);
 * ```
 */
export function renderTraceSvg(events: readonly TraceEvent[]): string {
  const names = new Map<number, string>();
  for (const e of events) if (e.ph === "M") names.set(e.tid, String(e.args?.name ?? e.tid));
  const tids = [...names.keys()].sort((a, b) => a - b);
  const timed = events.filter((e) => e.ph !== "M" && names.has(e.tid));
  // A loop, not Math.max(...): a long run's trace has more events than a call takes arguments.
  const end = timed.reduce((last, e) => Math.max(last, e.ts + (e.dur ?? 0)), 1);
  const pieces = timeAxis(timed, end, WIDTH - LABEL - 20);
  const x = (ts: number) => place(pieces, ts);
  const { laneOf, rows } = layout(tids, timed);
  const axisY = rows.length ? rows[rows.length - 1]!.y + rows[rows.length - 1]!.height : TOP;
  const height = axisY + 70;
  const irps = timed.filter((e) => e.ph === "X" && e.cat === "irp").length;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" ` +
    `viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">wskemu IRP timeline ` +
    `(${(end / 1000).toFixed(1)} ms, ${irps} IRPs)</text>`,
  ];
  rows.forEach(({ y, height }, i) => {
    const fill = i % 2 ? "#f6f6f6" : "#fff";
    out.push(`<rect x="0" y="${y}" width="${WIDTH}" height="${height}" fill="${fill}"/>`);
    out.push(`<text x="8" y="${y + 17}">${escape(names.get(tids[i]!)!)}</text>`);
  });
  out.push(`<line x1="${LABEL}" x2="${WIDTH - 20}" y1="${axisY}" y2="${axisY}" stroke="#888"/>`);
  out.push(...axisLabels(pieces, end, axisY));
  for (const piece of pieces.filter((p) => p.gap)) {
    out.push(
      `<rect x="${piece.x + 4}" y="${TOP}" width="${GAP_WIDTH - 8}" height="${axisY - TOP}" ` +
        `fill="#eee" opacity="0.8"><title>${
          ((piece.to - piece.from) / 1000).toFixed(1)
        } ms with no IRP activity</title></rect>`,
    );
  }
  const rowOf = new Map(tids.map((tid, i) => [tid, rows[i]!]));
  for (const e of timed) {
    const { y, height } = rowOf.get(e.tid)!;
    const title = `<title>${escape(e.name)} @ ${(e.ts / 1000).toFixed(3)} ms</title>`;
    if (e.ph === "X") {
      const left = x(e.ts);
      const w = Math.max(2, x(e.ts + (e.dur ?? 0)) - left);
      const top = y + PAD + laneOf.get(e)! * LANE;
      out.push(
        `<rect x="${left.toFixed(1)}" y="${top}" width="${w.toFixed(1)}" height="${LANE - 3}" ` +
          `fill="${colour(e)}" opacity="0.85" stroke="#fff" stroke-width="0.5">` +
          `${title}</rect>`,
      );
      const call = e.name.split(" ")[0]!;
      if (w > call.length * CHAR_WIDTH + 6) {
        out.push(
          `<text x="${(left + 3).toFixed(1)}" y="${top + 12}" fill="#fff" font-size="11">` +
            `${escape(call)}</text>`,
        );
      }
    } else if (e.cat === "bugcheck") {
      const cx = x(e.ts), cy = y + height / 2;
      out.push(
        `<path d="M${cx} ${cy - 8} L${cx + 8} ${cy} L${cx} ${cy + 8} L${
          cx - 8
        } ${cy} Z" fill="#b00">${title}</path>`,
      );
    } else {
      const at = x(e.ts).toFixed(1);
      out.push(
        `<line x1="${at}" x2="${at}" y1="${y + 3}" y2="${y + height - 3}" stroke="#555" ` +
          `stroke-width="1.5">${title}</line>`,
      );
    }
  }
  out.push(...legend(axisY + 44));
  out.push("</svg>");
  return out.join("\n");
}

/**
 * Each track's row, tall enough for its spans: spans that overlap in time go
 * to separate lanes (the first lane free when the span begins), so no span
 * hides another; spans one after another share a lane.
 */
function layout(
  tids: readonly number[],
  timed: readonly TraceEvent[],
): { laneOf: Map<TraceEvent, number>; rows: { y: number; height: number }[] } {
  const laneOf = new Map<TraceEvent, number>();
  const lanes = new Map<number, number[]>(tids.map((tid) => [tid, []]));
  const spans = timed.filter((e) => e.ph === "X").sort((a, b) => a.ts - b.ts);
  for (const e of spans) {
    const ends = lanes.get(e.tid)!;
    let lane = ends.findIndex((laneEnd) => laneEnd <= e.ts);
    if (lane < 0) lane = ends.push(0) - 1;
    ends[lane] = e.ts + (e.dur ?? 0);
    laneOf.set(e, lane);
  }
  let y = TOP;
  const rows = tids.map((tid) => {
    const height = Math.max(ROW, 2 * PAD + lanes.get(tid)!.length * LANE);
    const row = { y, height };
    y += height;
    return row;
  });
  return { laneOf, rows };
}

/**
 * The axis: a break mark (two slashes across the line) in each narrowed gap,
 * the run's end at the right edge, and the time where each busy stretch
 * begins. The marks are drawn on the line, not among the labels, so no label
 * collides with one; a label that would overlap one already placed (the end
 * comes first) is left out rather than drawn over it.
 */
function axisLabels(pieces: readonly Piece[], end: number, axisY: number): string[] {
  const out: string[] = [];
  for (const piece of pieces.filter((p) => p.gap)) {
    const centre = piece.x + GAP_WIDTH / 2;
    for (const dx of [-3, 3]) {
      out.push(
        `<line x1="${centre + dx - 3}" x2="${centre + dx + 3}" y1="${axisY + 5}" ` +
          `y2="${axisY - 5}" stroke="#888" stroke-width="1.5"/>`,
      );
    }
  }
  const taken: [number, number][] = [];
  const put = (left: number, text: string, attributes: string): void => {
    const right = left + text.length * CHAR_WIDTH;
    if (taken.some(([a, b]) => left < b + 6 && a < right + 6)) return;
    taken.push([left, right]);
    out.push(`<text ${attributes} y="${axisY + 16}" fill="#555">${text}</text>`);
  };
  const last = `${(end / 1000).toFixed(1)} ms`;
  put(WIDTH - 20 - last.length * CHAR_WIDTH, last, `x="${WIDTH - 20}" text-anchor="end"`);
  for (const piece of pieces.filter((p) => !p.gap)) {
    put(piece.x, `${(piece.from / 1000).toFixed(1)} ms`, `x="${piece.x}"`);
  }
  return out;
}

function legend(y: number): string[] {
  const keys = [
    ["success", SUCCESS],
    ["cancelled", CANCELLED],
    ["warning / timeout", WARNING],
    ["failure", FAILURE],
    ["DriverEntry, DriverUnload, threads", NOT_AN_IRP],
  ];
  return keys.flatMap(([label, fill], i) => [
    `<rect x="${LABEL + i * 150}" y="${y - 10}" width="12" height="12" fill="${fill}"/>`,
    `<text x="${LABEL + i * 150 + 18}" y="${y}">${label}</text>`,
  ]);
}
