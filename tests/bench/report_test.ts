// Copyright 2026 the wskemu authors. MIT license.
// The bench's verdicts and plot (bench/report.ts), on made-up figures: no
// timing here, only how measured rows become the table of ratios and the SVG.
import assert from "node:assert/strict";
import type { Measured } from "../../bench/_rounds.ts";
import { judge, plot, table } from "../../bench/report.ts";

const row = (path: string, unit: Measured["unit"], figures: Measured["figures"]): Measured => ({
  path,
  unit,
  figures,
});

Deno.test("each row is judged against raw, memory against node:net, cycles by their own time", () => {
  const [receive, memory, cycle, roundTrip] = judge([
    row("WskReceive 64 KiB, 1 posted", "B/s", { wsk: 96, raw: 100 }),
    row("idle socket RSS, 10k sockets", "KiB", { wsk: 30, raw: 1, node: 12 }),
    row("WskSend cycle, transport stubbed", "ns", { wsk: 250 }),
    row("64 B round trip, TCP_NODELAY", "µs", { wsk: 100, raw: 95 }),
  ]);
  assert.deepEqual([receive!.ratio, receive!.target, receive!.met], [0.96, "≥ 0.95×", true]);
  assert.deepEqual([memory!.ratio, memory!.target, memory!.met], [2.5, "≤ 2× node", false]);
  assert.deepEqual([cycle!.target, cycle!.met], ["≤ 200 ns", false]);
  assert.equal(roundTrip!.ratio, 0.95, "a time is better lower: raw ÷ WSK");
});

Deno.test("16 outstanding 1 KiB sends are held to raw's best loop; lost order fails a row", () => {
  const judged = judge([
    row("WskSend 1 KiB, 1 outstanding", "B/s", { wsk: 80, raw: 100 }),
    row("WskSend 1 KiB, 16 outstanding", "B/s", { wsk: 95, raw: 50 }),
    { ...row("WskSendTo 64 B, 1 outstanding", "/s", { wsk: 90, raw: 100 }), orderKept: false },
  ]);
  assert.equal(judged[1]!.ratio, 0.95);
  assert.equal(judged[1]!.target, "≥ 0.9× raw's best");
  assert.equal(judged[2]!.met, false, "a UDP row that lost or reordered datagrams fails");
  const lines = table(judged).split("\n");
  assert.equal(lines.length, 2 + judged.length);
  assert.match(lines[4]!, /^\| WskSendTo 64 B, 1 outstanding \|.*\| \*\*no\*\* \|$/);
});

Deno.test("the plot has a bar per side and size in both panels, WSK and raw side by side", () => {
  const sizes = ["1 KiB", "64 KiB"];
  const rows = sizes.flatMap((size) => [
    row(`WskSend ${size}, 1 outstanding`, "B/s", { wsk: 1e9, raw: 2e9, node: 1.5e9 }),
    row(`WskReceive ${size}, 1 posted`, "B/s", { wsk: 1e9, raw: 2e9, node: 1.5e9 }),
  ]);
  const svg = plot(rows, sizes);
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /<\/svg>\n$/);
  const bars = (color: string) => svg.split(`fill="${color}"/>`).length - 1;
  // Two panels × two sizes, plus one legend swatch, for each of raw, node and WSK.
  for (const color of ["#4c78a8", "#9c9c9c", "#e45756"]) assert.equal(bars(color), 2 * 2 + 1);
  for (const label of ["WSK", "raw Deno.Conn", "node:net", ...sizes]) {
    assert.ok(svg.includes(label));
  }
});
