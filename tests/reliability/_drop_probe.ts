// Copyright 2026 the wskemu authors. MIT license.
// Run by faults_test.ts inside a network namespace of its own: connects over
// WSK on the namespace's loopback, has iptables DROP every packet of that
// connection, then cancels the IRPs left hanging with IoCancelIrp. Prints the
// statuses as JSON; exits non-zero if an IRP did not complete exactly once.
import { formatNtStatus, IoCancelIrp, STATUS_PENDING } from "../../mod.ts";
import { connDispatch, listen, TestClient, wskBuf } from "../_wsk.ts";
import { Ledger } from "./_faults.ts";

async function iptables(...args: string[]): Promise<void> {
  const out = await new Deno.Command("iptables", { args, stdout: "null", stderr: "inherit" })
    .output();
  if (!out.success) throw new Error(`iptables ${args.join(" ")} failed`);
}

const client = new TestClient();
const listener = listen();
const port = listener.addr.port;
const [Socket, peer] = await Promise.all([
  client.connected("127.0.0.1", port),
  listener.accept(),
]);
listener.close();
// The peer drains what arrives: only the DROP keeps a send from completing.
const draining = peer.readable.pipeTo(new WritableStream()).catch(() => {});
await iptables("-A", "INPUT", "-p", "tcp", "--dport", String(port), "-j", "DROP");
await iptables("-A", "INPUT", "-p", "tcp", "--sport", String(port), "-j", "DROP");
await peer.write(new Uint8Array(100)); // dropped: the receive below never sees it

const d = connDispatch(Socket);
const ledger = new Ledger();
const receive = ledger.start(
  "WskReceive",
  (Irp) => d.WskReceive(Socket, wskBuf(new Uint8Array(64)), 0, Irp),
);
const send = ledger.start(
  "WskSend",
  (Irp) => d.WskSend(Socket, wskBuf(new Uint8Array(16 << 20)), 0, Irp),
);
const behind = ledger.start(
  "WskSend",
  (Irp) => d.WskSend(Socket, wskBuf(new Uint8Array(10)), 0, Irp),
);
const returned = [receive, send, behind].every((c) => c.returned === STATUS_PENDING);
IoCancelIrp(receive.Irp);
const received = (await receive.done).Status;
IoCancelIrp(send.Irp);
const results = {
  returned,
  receive: formatNtStatus(received),
  send: formatNtStatus((await send.done).Status),
  behind: formatNtStatus((await behind.done).Status),
};
await client.closeSocket(Socket);
await ledger.settle();
await client.close();
peer.close();
await draining;
console.log(JSON.stringify(results));
