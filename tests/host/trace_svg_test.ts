// Copyright 2026 the wskemu authors. MIT license.
// The SVG timeline's layout: spans that overlap on a track are stacked, not
// drawn over each other; the axis' labels never collide with each other or
// with the marks of narrowed quiet stretches.
import assert from "node:assert/strict";
import { renderTraceSvg, type TraceEvent } from "../../host/mod.ts";

function track(tid: number, name: string): TraceEvent {
  return { name: "thread_name", cat: "", ph: "M", ts: 0, pid: 1, tid, args: { name } };
}

function span(tid: number, name: string, ts: number, dur: number): TraceEvent {
  return { name: `${name} → STATUS_SUCCESS`, cat: "irp", ph: "X", ts, dur, pid: 1, tid };
}

/** Each bar's name and top edge, from its `<rect ...><title>` pair. */
function bars(svg: string): { name: string; y: number; x: number }[] {
  return [...svg.matchAll(/<rect x="([\d.]+)" y="(\d+)"[^>]*>\s*<title>(\S+) →/g)]
    .map(([, x, y, name]) => ({ name: name!, y: Number(y), x: Number(x) }));
}

Deno.test("--trace-svg: spans that overlap on one track are stacked in lanes; spans one after another share a lane", () => {
  const svg = renderTraceSvg([
    track(10, "socket 0x1000"),
    span(10, "WskReceive", 0, 5_000), // two receives pending at once
    span(10, "WskReceiveSecond", 1_000, 5_000),
    span(10, "WskSend", 6_000, 500), // after both
  ]);
  const [first, second, send] = bars(svg);
  assert.equal(first!.name, "WskReceive");
  assert.notEqual(second!.y, first!.y, "the overlapping receive is in a lane of its own");
  assert.equal(send!.y, first!.y, "the send, after both, goes back to the first lane");
  const row = /<rect x="0" y="40" width="1400" height="(\d+)"/.exec(svg);
  assert.ok(Number(row![1]) >= 2 * 18, "the row is tall enough for two lanes");
});

Deno.test("--trace-svg: axis labels do not overlap each other or sit on a quiet stretch's break mark", () => {
  // Busy at the start, a long quiet stretch, and a short burst right at the end.
  const svg = renderTraceSvg([
    track(10, "socket 0x1000"),
    span(10, "WskBind", 0, 2_000),
    span(10, "WskReceive", 900_000, 300),
    span(10, "WskCloseSocket", 999_000, 1_000),
  ]);
  const labels = [...svg.matchAll(/<text ([^>]*)y="(\d+)" fill="#555">([\d.]+ ms)<\/text>/g)].map(
    ([, attributes, , text]) => {
      const x = Number(/x="([\d.]+)"/.exec(attributes!)![1]);
      const width = text!.length * 7;
      return attributes!.includes('text-anchor="end"') ? [x - width, x] : [x, x + width];
    },
  );
  assert.ok(labels.some(([, right]) => right === 1380), "the run's end is labelled at the right");
  assert.match(svg, />1000\.0 ms</);
  for (let i = 0; i < labels.length; i++) {
    for (let j = i + 1; j < labels.length; j++) {
      const [a, b] = [labels[i]!, labels[j]!];
      assert.ok(a[1] <= b[0] || b[1] <= a[0], `labels ${a} and ${b} do not overlap`);
    }
  }
  assert.doesNotMatch(
    svg,
    /⋯/,
    "quiet stretches are marked on the axis line, not among the labels",
  );
  const marks = svg.match(/stroke="#888" stroke-width="1.5"\/>/g) ?? [];
  assert.ok(marks.length >= 2, "a break mark for each quiet stretch");
});

Deno.test("--trace-svg: a bar's colour comes from its numeric status's severity, whatever its name", () => {
  const completed = (ts: number, status: number, name: string): TraceEvent => ({
    name: `WskSend → ${name}`,
    cat: "irp",
    ph: "X",
    ts,
    dur: 100,
    pid: 1,
    tid: 10,
    args: { status },
  });
  const svg = renderTraceSvg([
    track(10, "socket 0x1000"),
    completed(0, 0x00000000, "STATUS_SUCCESS"),
    completed(200, 0xC0000120, "STATUS_CANCELLED"),
    completed(400, 0x00000102, "STATUS_TIMEOUT"),
    completed(600, 0x80000005, "STATUS_BUFFER_OVERFLOW"),
    completed(800, 0xC0000236, "STATUS_CONNECTION_REFUSED"),
    completed(1000, 0xC0ABCDEF, "0xC0ABCDEF"), // no name known: still an error
    completed(1200, 0x00000001, "STATUS_WAIT_1"), // success-class
  ]);
  const fills = [...svg.matchAll(/fill="(#[0-9a-f]{6})" opacity="0.85"/g)].map(([, fill]) => fill);
  assert.deepEqual(fills, [
    "#3a9d5d", // success
    "#9a9a9a", // cancelled
    "#e0a526", // timeout
    "#e0a526", // warning
    "#d0453c", // error
    "#d0453c", // error, by severity alone
    "#3a9d5d", // success
  ]);
});

Deno.test("--trace-svg: a long run's trace, more events than a call takes arguments, still renders", () => {
  const events = [track(10, "socket 0x1000")];
  for (let i = 0; i < 150_000; i++) events.push(span(10, "WskSend", i * 10, 5));
  const svg = renderTraceSvg(events);
  assert.match(svg, /\(1500\.0 ms, 150000 IRPs\)/);
});
