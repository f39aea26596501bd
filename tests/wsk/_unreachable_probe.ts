// Copyright 2026 the wskemu authors. MIT license.
// Run inside the network namespace that unreachable_test.ts builds: connects
// over WSK to addresses that are unreachable there, and prints each status.
import { formatNtStatus } from "../../mod.ts";
import { addr, call, connDispatch, TestClient } from "../_wsk.ts";

const client = new TestClient();
async function connectStatus(host: string, port: number): Promise<string> {
  const Socket = await client.socket();
  const d = connDispatch(Socket);
  await call((Irp) => d.WskBind(Socket, addr("0.0.0.0", 0), 0, Irp));
  const c = await call((Irp) => d.WskConnect(Socket, addr(host, port), 0, Irp));
  await client.closeSocket(Socket);
  return formatNtStatus(c.Status);
}

const results: Record<string, string> = {};
results.host = await connectStatus("127.9.9.9", 80); // an "unreachable" route
results.network = await connectStatus("127.8.8.8", 80); // no route at all
// A listener whose accept queue is full drops further SYNs: the connect times out.
const listener = Deno.listen({ hostname: "127.0.0.1", port: 0, tcpBacklog: 0 });
const filler = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
results.timeout = await connectStatus("127.0.0.1", listener.addr.port);
filler.close();
listener.close();
await client.close();
console.log(JSON.stringify(results));
