// Copyright 2026 the wskemu authors. MIT license.
// The C headers and the TypeScript side agree: ntstatus.h is what
// c/gen_ntstatus.ts makes from irp/ntstatus.ts, and a C file generated from
// every WDK constant the TS side exports static-asserts each value (and the
// layouts both sides rely on) when compiled against c/include.
import assert from "node:assert/strict";
import { ntstatusHeader } from "../../c/gen_ntstatus.ts";
import { CFLAGS, TOOLCHAIN } from "../../host/_build.ts";
import * as irp from "../../irp/mod.ts";
import * as wsk from "../../wsk/mod.ts";
import { haveToolchain } from "./_driver.ts";

const INCLUDE = new URL("../../c/include/", import.meta.url).pathname;

Deno.test("c/include/ntstatus.h is generated from irp/ntstatus.ts (run c/gen_ntstatus.ts when this fails)", async () => {
  assert.equal(await Deno.readTextFile(`${INCLUDE}ntstatus.h`), ntstatusHeader());
});

/** `_Static_assert`s for every numeric WDK-named export (camelCase helpers are ours, not the WDK's). */
function constantAsserts(): string {
  const lines = ["#include <ntddk.h>", "#include <wsk.h>", "#include <ntstrsafe.h>", ""];
  for (const [name, value] of [...Object.entries(irp), ...Object.entries(wsk)]) {
    if (typeof value !== "number" || /^[a-z]/.test(name)) continue;
    const hex = (value >>> 0).toString(16);
    lines.push(
      `_Static_assert((unsigned long)(${name}) == 0x${hex}UL, "${name} is 0x${hex} in TypeScript");`,
    );
  }
  lines.push(
    `_Static_assert(sizeof(WSK_TRANSPORT) == ${wsk.sizeofWskTransport}, "sizeof(WSK_TRANSPORT)");`,
    `_Static_assert(sizeof(SOCKADDR) == 16 && sizeof(SOCKADDR_IN) == 16, "SOCKADDR, SOCKADDR_IN");`,
    `_Static_assert(sizeof(SOCKADDR_IN6) == 28 && sizeof(SOCKADDR_STORAGE) == 128, "SOCKADDR_IN6, STORAGE");`,
    `_Static_assert(sizeof(WCHAR) == 2 && sizeof(LONG) == 4, "WCHAR, LONG");`,
  );
  return lines.join("\n") + "\n";
}

Deno.test({
  name: "every WDK constant the TS side exports has the same value in the C headers",
  ignore: !haveToolchain,
  async fn() {
    const file = await Deno.makeTempFile({ suffix: ".c" });
    try {
      await Deno.writeTextFile(file, constantAsserts());
      const { success, stderr } = await new Deno.Command(TOOLCHAIN.compiler, {
        args: [...CFLAGS, `-I${INCLUDE}`, "-fsyntax-only", file],
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.ok(success, new TextDecoder().decode(stderr));
    } finally {
      await Deno.remove(file);
    }
  },
});
