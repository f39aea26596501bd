// Copyright 2026 the wskemu authors. MIT license.
// The ntstrsafe.h printf family from C: narrow and wide, sized in characters
// and in bytes, with the statuses Windows returns.
import assert from "node:assert/strict";
import { assertClean, haveToolchain, runOnce } from "./_driver.ts";

Deno.test({
  name:
    "tests/c/drivers/strsafe.c: RtlStringCch/CbPrintfA/W fit, truncate with STATUS_BUFFER_OVERFLOW and refuse an empty destination",
  ignore: !haveToolchain,
  async fn() {
    const { code, output } = await runOnce("tests/c/drivers/strsafe.c");
    assert.match(output, /CchPrintfA: 0x00000000 "42-ab"/);
    assert.match(output, /CbPrintfA 4 bytes: 0x80000005 "123"/);
    assert.match(output, /CchPrintfW: 0x00000000 "7-xy"/);
    assert.match(output, /CbPrintfW 4 characters: 0x80000005 "123"/);
    assert.match(output, /CchVPrintfW: 0x00000000 "v-5"/);
    assert.match(output, /CchPrintfA into 0 characters: 0xC000000D/);
    assert.match(output, /CbPrintfW into 1 byte: 0xC000000D/);
    assertClean(output);
    assert.equal(code, 0, output);
  },
});
