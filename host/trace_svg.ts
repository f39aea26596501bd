// Copyright 2026 the wskemu authors. MIT license.
/**
 * `--trace-svg`: the IRP trace as an SVG timeline. One row per track (the
 * driver, the completion queue, the WSK client, each socket); each IRP is a
 * bar from its call to its completion, coloured by its final status
 * (success green, cancelled grey, pending-forever amber, failure red);
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

function colour(name: string): string {
  if (/STATUS_SUCCESS$/.test(name)) return "#3a9d5d";
  if (/STATUS_CANCELLED$/.test(name)) return "#9a9a9a";
  if (/STATUS_(PENDING|TIMEOUT)$/.test(name)) return "#e0a526";
  if (/→ 0x[48]|STATUS_BUFFER_OVERFLOW$/.test(name)) return "#e0a526";
  return "#d0453c";
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
  const scale = (WIDTH - LABEL - 20) / end;
  const x = (ts: number) => LABEL + ts * scale;
  const height = 50 + tids.length * ROW + 40;
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
  for (const e of timed) {
    const i = row.get(e.tid);
    if (i === undefined) continue;
    const y = 40 + i * ROW;
    const title = `<title>${escape(e.name)} @ ${(e.ts / 1000).toFixed(3)} ms</title>`;
    if (e.ph === "X") {
      const w = Math.max(2, (e.dur ?? 0) * scale);
      out.push(
        `<rect x="${x(e.ts).toFixed(1)}" y="${y + 5}" width="${w.toFixed(1)}" height="${
          ROW - 10
        }" ` +
          `fill="${colour(e.name)}" opacity="0.85">${title}</rect>`,
      );
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
  const ly = 40 + tids.length * ROW + 20;
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
