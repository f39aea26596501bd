// Copyright 2026 the wskemu authors. MIT license.
// WSK calls from C that the example drivers do not make, each with the status
// and the out-parameters Windows would give.
import assert from "node:assert/strict";
import { assertClean, driverWasm, haveToolchain, startDriver } from "./_driver.ts";

Deno.test({
  name:
    "tests/c/drivers/coverage.c: accept, socket-connect, cancel, options, addresses, names and WAITALL from C",
  ignore: !haveToolchain,
  async fn() {
    const driver = startDriver(await driverWasm("tests/c/drivers/coverage.c"), {}, ["--for", "0"]);
    const { code, output } = await driver.exited();
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
    assertClean(output);
    assert.equal(code, 0, output);
  },
});
