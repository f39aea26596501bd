// Copyright 2026 the wskemu authors. MIT license.
// `driver build`: clear messages for a missing toolchain and a bad command
// line, never a stack trace; the WPP stand-in for custom trace functions.
import assert from "node:assert/strict";
import { parseBuildArgs, tmhFor } from "../../host/_build.ts";

const BUILD = new URL("../../host/_build.ts", import.meta.url).pathname;

async function build(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", BUILD, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("without clang-16 the build names the Debian packages to install and stops, without a stack trace", async () => {
  const { code, stderr } = await build(["examples/c/echosrv.c"], { PATH: "/nonexistent" });
  assert.equal(code, 1);
  assert.match(stderr, /apt-get install -y clang-16 lld-16/);
  assert.doesNotMatch(stderr, /\bat \S+:\d+:\d+/);
});

Deno.test("a bad command line prints the usage and exits 2", async () => {
  const { code, stderr } = await build(["-o"]);
  assert.equal(code, 2);
  assert.match(stderr, /usage: deno task driver build/);
});

Deno.test("the command line takes -o, -I, -D in both spellings and names the output after the first source", () => {
  assert.deepEqual(parseBuildArgs(["-Iinc", "-D", "X=1", "-DY", "a.c", "b.c"]), {
    output: "a.wasm",
    includes: ["inc"],
    defines: ["X=1", "Y"],
    sources: ["a.c", "b.c"],
  });
  assert.equal(parseBuildArgs(["-o", "x.wasm"]), "no C source given");
});

Deno.test("a source's custom WPP trace function becomes a macro in its .tmh stand-in", () => {
  const tmh = tmhFor(
    "// begin_wpp config\n// FUNC TraceEvents(LEVEL, FLAGS, MSG, ...);\n// end_wpp\n",
  );
  assert.match(tmh, /#include <wskemu_wpp.h>/);
  assert.match(
    tmh,
    /#define TraceEvents\(a0, a1, MSG, \.\.\.\) rtTraceMessage\(#a1, __func__, RT_SITE, MSG, ##__VA_ARGS__\)/,
  );
});
