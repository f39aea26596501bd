// Copyright 2026 the wskemu authors. MIT license.
// WSK calls from C that the example drivers do not make, each with the status
// and the out-parameters Windows would give.
import assert from "node:assert/strict";
import { assertClean, haveToolchain, runOnce } from "./_driver.ts";

Deno.test({
  name:
    "tests/c/drivers/coverage.c: accept, socket-connect, cancel, options, addresses, names, WAITALL, MDL chains and the transport list from C",
  ignore: !haveToolchain,
  async fn() {
    const { code, output } = await runOnce("tests/c/drivers/coverage.c");
    assert.match(output, /WskSocketConnect: 0x00000000/);
    assert.match(output, /WskAccept: 0x00000000 local matches remote 127\.0\.0\.1/);
    assert.match(
      output,
      /IoCancelIrp on a pending receive: returned 0x00000103, completed 0xC0000120, Cancel 1/,
    );
    assert.match(output, /SO_RCVBUF: 0x00000000 positive \(4 bytes returned\)/);
    assert.match(output, /WskGetRemoteAddress: 0x00000000 family 2/);
    assert.match(output, /WskGetNameInfo: 0x00000000 127\.0\.0\.1 80/);
    assert.match(output, /WAITALL receive: 0x00000000 5 bytes "hello"/);
    assert.match(output, /chained send: 0x00000000 12 bytes/);
    assert.match(output, /chained receive: 0x00000000 12 bytes "hello, world"/);
    assert.match(output, /transport list without a buffer: 0x80000005, 112 bytes needed/);
    assert.match(output, /transport list: 0x00000000/);
    assert.deepEqual(output.match(/transport: .*/g), [
      "transport: type 1 protocol 6 family 2 version 1.0",
      "transport: type 1 protocol 6 family 23 version 1.0",
      "transport: type 2 protocol 17 family 2 version 1.0",
      "transport: type 2 protocol 17 family 23 version 1.0",
    ]);
    assertClean(output);
    assert.equal(code, 0, output);
  },
});
