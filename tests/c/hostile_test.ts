// Copyright 2026 the wskemu authors. MIT license.
// The C path against a careless or hostile user: broken sources, missing
// files, unknown flags and files that are not drivers each get a short reason
// and a non-zero exit, never a stack trace.
import assert from "node:assert/strict";
import { TOOLCHAIN } from "../../host/_build.ts";
import { loadWasmDriver } from "../../host/wasm/mod.ts";
import { DriverLoadError } from "../../host/load.ts";
import { driverWasm, haveToolchain } from "./_driver.ts";

const CLI = new URL("../../host/cli.ts", import.meta.url).pathname;

async function driver(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.doesNotMatch(stderr, /\bat \S+:\d+:\d+/, "a stack trace");
  return { code: out.code, lines: stderr.trimEnd().split("\n") };
}

/** A wasm module built from `source` alone, without wskemu's headers or runtime. */
async function foreignWasm(dir: string, name: string, source: string): Promise<string> {
  await Deno.writeTextFile(`${dir}/${name}.c`, source);
  const { success } = await new Deno.Command(TOOLCHAIN.compiler, {
    args: [
      "--target=wasm32",
      "-nostdlib",
      "-O1",
      "-Wl,--no-entry",
      "-Wl,--import-memory",
      `${dir}/${name}.c`,
      "-o",
      `${dir}/${name}.wasm`,
    ],
  }).output();
  assert.ok(success);
  return `${dir}/${name}.wasm`;
}

Deno.test({
  name: "driver build: a syntax error is one line per diagnostic and exit 1",
  ignore: !haveToolchain,
  async fn() {
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(`${dir}/broken.c`, "#include <ntddk.h>\nNTSTATUS DriverEntry( {\n");
    const { code, lines } = await driver("build", "-o", `${dir}/broken.wasm`, `${dir}/broken.c`);
    assert.equal(code, 1);
    assert.match(lines[0]!, /broken\.c:2:\d+: error: /);
    for (const line of lines.slice(0, -1)) {
      assert.match(line, /^\S+broken\.c:\d+:\d+: (error|warning|note): /);
    }
    assert.equal(lines.at(-1), "driver build: failed");
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name:
    "driver build: a missing file, a directory, a file that is not C, an unknown flag and a source without DriverEntry say so",
  ignore: !haveToolchain,
  async fn() {
    const dir = await Deno.makeTempDir();
    assert.deepEqual(await driver("build", `${dir}/nothing.c`), {
      code: 1,
      lines: [`driver build: ${dir}/nothing.c: no such file`],
    });
    assert.deepEqual(await driver("build", dir), {
      code: 1,
      lines: [`driver build: ${dir}: not a file`],
    });
    await Deno.writeTextFile(`${dir}/notes.txt`, "not C\n");
    assert.deepEqual(await driver("build", `${dir}/notes.txt`), {
      code: 1,
      lines: [`driver build: ${dir}/notes.txt: not a C source (the sources are .c files)`],
    });
    const flag = await driver("build", "--frobnicate", `${dir}/nothing.c`);
    assert.equal(flag.code, 2);
    assert.equal(flag.lines[0], "driver build: unknown option --frobnicate");
    await Deno.writeTextFile(`${dir}/helper.c`, "int helper(void) { return 1; }\n");
    assert.deepEqual(await driver("build", "-o", `${dir}/helper.wasm`, `${dir}/helper.c`), {
      code: 1,
      lines: [
        "driver build: no source defines DriverEntry (NTSTATUS DriverEntry(PDRIVER_OBJECT, PUNICODE_STRING))",
        "driver build: failed",
      ],
    });
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name:
    "driver run: a random file, a wasm without DriverEntry, one with another layout and a C source are refused in one line",
  ignore: !haveToolchain,
  async fn() {
    const dir = await Deno.makeTempDir();
    const random = `${dir}/random.wasm`;
    await Deno.writeFile(random, crypto.getRandomValues(new Uint8Array(512)));
    const noEntry = await foreignWasm(
      dir,
      "no_entry",
      'struct E { const char *Name; unsigned Value; };\nstatic const struct E Layout[] = {{"version", 2}, {0, 0}};\n' +
        '__attribute__((export_name("rtLayoutTable"))) const struct E *rtLayoutTable(void) { return Layout; }\n',
    );
    const otherLayout = await foreignWasm(
      dir,
      "other_layout",
      'struct E { const char *Name; unsigned Value; };\nstatic const struct E Layout[] = {{"version", 1}, {"PVOID", 8}, {0, 0}};\n' +
        '__attribute__((export_name("rtLayoutTable"))) const struct E *rtLayoutTable(void) { return Layout; }\n' +
        '__attribute__((export_name("DriverEntry"))) int DriverEntry(int a, int b) { return a + b; }\n',
    );
    const [garbage, entryless, layout, source] = await Promise.all(
      [random, noEntry, otherLayout, `${dir}/no_entry.c`].map((wasm) =>
        driver("run", wasm, "--for", "0")
      ),
    );
    assert.deepEqual(source, {
      code: 1,
      lines: [
        `driver: ${dir}/no_entry.c is C source: build it first ` +
        `(deno task driver build -o driver.wasm ${dir}/no_entry.c), then run the .wasm`,
      ],
    });
    assert.equal(garbage!.code, 1);
    assert.match(garbage!.lines.join("\n"), /^driver: cannot load \S+random\.wasm: .*magic word/);
    assert.deepEqual(entryless, { code: 1, lines: ["driver: the module exports no DriverEntry"] });
    assert.equal(layout!.code, 1);
    assert.match(
      layout!.lines.join("\n"),
      /^driver: the driver was built against other headers \(version is 1, expected 2; PVOID is 8, expected 4; .*\): rebuild it with deno task driver build$/,
    );
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name:
    "loadWasmDriver: a memory size that is no size, or too small for the driver, is a load error",
  ignore: !haveToolchain,
  async fn() {
    const wasm = await driverWasm("tests/c/drivers/device.c");
    const refused = async (memoryPages: number, reason: RegExp) => {
      const error = await loadWasmDriver(wasm, { memoryPages }).catch((e) => e);
      assert.ok(error instanceof DriverLoadError, String(error));
      assert.match(error.message, reason);
    };
    await refused(Number("abc"), /whole number of 64 KiB pages from 1 to 65536, not NaN/);
    await refused(70000, /not 70000/);
    await refused(1, /its data alone needs 2 pages of memory, more than 1/);
    await refused(3, /3 pages \(192 KiB\) of memory are too few .*raise memoryPages/);
  },
});
