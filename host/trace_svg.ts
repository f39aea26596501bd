// Copyright 2026 the wskemu authors. MIT license.
/**
 * `--trace-svg`: the IRP trace as an SVG timeline. One row per track (the
 * driver, the completion queue, the WSK client, each socket); each IRP is a
 * bar from its call to its completion, coloured by its final status
 * (success green, cancelled grey, pending-forever amber, failure red);
 * DriverEntry, DriverUnload and system threads' lives are blue bars;
 * instant events are ticks, bug checks red diamonds.
 *
 * @module
 */
import type { TraceEvent } from "./trace.ts";

const ROW = 26;
const LABEL = 230;
const WIDTH = 1400;

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&quot;",
  );
}

function colour(name: string, cat: string): string {
  // A thread's life, DriverEntry, DriverUnload: not an IRP, so no status colour.
  if (cat !== "irp") return "#5b7fbf";
  if (/STATUS_SUCCESS$/.test(name)) return "#3a9d5d";
  if (/STATUS_CANCELLED$/.test(name)) return "#9a9a9a";
  if (/STATUS_(PENDING|TIMEOUT)$/.test(name)) return "#e0a526";
  if (/→ 0x[48]|STATUS_BUFFER_OVERFLOW$/.test(name)) return "#e0a526";
  return "#d0453c";
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

/** The time axis: busy stretches scaled to the width, long quiet ones narrowed to GAP_WIDTH. */
function timeAxis(timed: readonly TraceEvent[], width: number): Piece[] {
  const spans = timed.map((e) => [e.ts, e.ts + (e.dur ?? 0)] as const).sort((a, b) => a[0] - b[0]);
  const end = Math.max(1, ...spans.map(([, to]) => to));
  const busy: [number, number][] = [];
  for (const [from, to] of spans) {
    const last = busy[busy.length - 1];
    if (last && from <= last[1] + end * GAP_SHARE) last[1] = Math.max(last[1], to);
    else busy.push([from, to]);
  }
  if (busy.length === 0 || busy[0]![0] > end * GAP_SHARE) busy.unshift([0, 0]);
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
  const row = new Map(tids.map((tid, i) => [tid, i]));
  const timed = events.filter((e) => e.ph !== "M");
  const end = Math.max(1, ...timed.map((e) => e.ts + (e.dur ?? 0)));
  const pieces = timeAxis(timed, WIDTH - LABEL - 20);
  const x = (ts: number) => place(pieces, ts);
  const height = 50 + tids.length * ROW + 70;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" ` +
    `viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">wskemu IRP timeline ` +
    `(${(end / 1000).toFixed(1)} ms, ${timed.filter((e) => e.ph === "X").length} IRPs)</text>`,
  ];
  tids.forEach((tid, i) => {
    const y = 40 + i * ROW;
    out.push(
      `<rect x="0" y="${y}" width="${WIDTH}" height="${ROW}" fill="${
        i % 2 ? "#f6f6f6" : "#fff"
      }"/>`,
    );
    out.push(`<text x="8" y="${y + 17}">${escape(names.get(tid)!)}</text>`);
  });
  const axisY = 40 + tids.length * ROW;
  out.push(`<line x1="${LABEL}" x2="${WIDTH - 20}" y1="${axisY}" y2="${axisY}" stroke="#888"/>`);
  for (const piece of pieces) {
    if (piece.gap) {
      out.push(
        `<text x="${piece.x + GAP_WIDTH / 2}" y="${axisY + 14}" text-anchor="middle" fill="#888">` +
          `⋯</text>`,
        `<rect x="${piece.x + 4}" y="40" width="${GAP_WIDTH - 8}" height="${tids.length * ROW}" ` +
          `fill="#eee" opacity="0.8"><title>${
            ((piece.to - piece.from) / 1000).toFixed(1)
          } ms with no IRP activity</title></rect>`,
      );
    } else {
      // A label near the right edge is anchored at its end so it stays inside.
      const anchor = piece.x > WIDTH - 90
        ? ` text-anchor="end" x="${WIDTH - 4}"`
        : ` x="${piece.x}"`;
      out.push(
        `<text${anchor} y="${axisY + 14}" fill="#555">${(piece.from / 1000).toFixed(1)} ms</text>`,
      );
    }
  }
  for (const e of timed) {
    const i = row.get(e.tid);
    if (i === undefined) continue;
    const y = 40 + i * ROW;
    const title = `<title>${escape(e.name)} @ ${(e.ts / 1000).toFixed(3)} ms</title>`;
    if (e.ph === "X") {
      const left = x(e.ts);
      const w = Math.max(2, x(e.ts + (e.dur ?? 0)) - left);
      out.push(
        `<rect x="${left.toFixed(1)}" y="${y + 5}" width="${w.toFixed(1)}" height="${ROW - 10}" ` +
          `fill="${colour(e.name, e.cat)}" opacity="0.85" stroke="#fff" stroke-width="0.5">` +
          `${title}</rect>`,
      );
      const call = e.name.split(" ")[0]!;
      if (w > call.length * 7 + 6) {
        out.push(
          `<text x="${(left + 3).toFixed(1)}" y="${y + 17}" fill="#fff" font-size="11">` +
            `${escape(call)}</text>`,
        );
      }
    } else if (e.cat === "bugcheck") {
      const cx = x(e.ts), cy = y + ROW / 2;
      out.push(
        `<path d="M${cx} ${cy - 8} L${cx + 8} ${cy} L${cx} ${cy + 8} L${
          cx - 8
        } ${cy} Z" fill="#b00">${title}</path>`,
      );
    } else {
      out.push(
        `<line x1="${x(e.ts).toFixed(1)}" x2="${x(e.ts).toFixed(1)}" y1="${y + 3}" y2="${
          y + ROW - 3
        }" ` +
          `stroke="#555" stroke-width="1.5">${title}</line>`,
      );
    }
  }
  const ly = axisY + 44;
  [["success", "#3a9d5d"], ["cancelled", "#9a9a9a"], ["warning / timeout", "#e0a526"], [
    "failure",
    "#d0453c",
  ]]
    .forEach(([label, fill], i) => {
      out.push(
        `<rect x="${LABEL + i * 150}" y="${ly - 10}" width="12" height="12" fill="${fill}"/>`,
      );
      out.push(`<text x="${LABEL + i * 150 + 18}" y="${ly}">${label}</text>`);
    });
  out.push("</svg>");
  return out.join("\n");
}
