// Copyright 2026 the wskemu authors. MIT license.
// `deno task driver`: see main.ts. Exit at once when done: a driver's sockets
// or timers must not keep a finished run alive.
import { main } from "./main.ts";

Deno.exit(await main(Deno.args));
