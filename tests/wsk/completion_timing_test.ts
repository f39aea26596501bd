// Copyright 2026 the wskemu authors. MIT license.
// When completions run: at the end of the transport callback that produced
// them (no driver call is on the stack there), and never inside a WSK call,
// not even one a completion routine makes.
import assert from "node:assert/strict";
import {
  IoAllocateIrp,
  IoFreeIrp,
  IoSetCompletionRoutine,
  type IRP,
  STATUS_CANCELLED,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_NOT_SUPPORTED,
  STATUS_SUCCESS,
  WSK_FLAG_WAITALL,
} from "../../mod.ts";
import type { TcpReceiver, TcpStream, Transport } from "../../transport/types.ts";
import { connDispatch, start, TestClient, withConnection, writeAll, wskBuf } from "../_wsk.ts";

/** An IRP whose completion routine calls `routine` itself (not through a promise), then frees it. */
function irpRunning(routine: (Irp: IRP) => void): IRP {
  const Irp = IoAllocateIrp(1, false)!;
  IoSetCompletionRoutine(
    Irp,
    (_d, Completed: IRP) => {
      routine(Completed);
      IoFreeIrp(Completed);
      return STATUS_MORE_PROCESSING_REQUIRED;
    },
    null,
    true,
    true,
    true,
  );
  return Irp;
}

Deno.test("a WskReceive issued from a completion routine completes only after that WskReceive returned", () =>
  withConnection(async ({ Socket, peer, d }) => {
    const events: string[] = [];
    const second = new Uint8Array(4);
    const secondDone = Promise.withResolvers<void>();
    let insideCall = false;
    const secondIrp = irpRunning((Irp) => {
      events.push(`second completes${insideCall ? " inside the WskReceive call" : ""}`);
      assert.equal(Irp.IoStatus.Status, STATUS_SUCCESS);
      secondDone.resolve();
    });
    // The first receive takes 4 of the 8 bytes; its routine asks for the rest,
    // which is already buffered: the provider could complete it at once, but
    // must not run its routine before the call returns.
    const firstIrp = irpRunning(() => {
      events.push("first completes");
      insideCall = true;
      d.WskReceive(Socket, wskBuf(second), 0, secondIrp);
      insideCall = false;
      events.push("nested WskReceive returned");
    });
    d.WskReceive(Socket, wskBuf(new Uint8Array(4)), 0, firstIrp);
    await writeAll(peer, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    await secondDone.promise;
    assert.deepEqual(events, ["first completes", "nested WskReceive returned", "second completes"]);
    assert.deepEqual([...second], [5, 6, 7, 8]);
  }));

/** A transport whose streams echo every write back from inside write() itself: a contract breaker. */
function echoingInsideWrite(): Transport {
  const local = { hostname: "127.0.0.1", port: 1, family: 4 } as const;
  const unsupported = () => Promise.resolve({ status: STATUS_NOT_SUPPORTED, value: null });
  const stream = (): TcpStream => {
    let receiver: TcpReceiver | null = null;
    return {
      localAddress: local,
      remoteAddress: local,
      writeQueueSize: 0,
      receive: (r) => receiver = r,
      pause() {},
      resume() {},
      write(chunks) {
        for (const chunk of chunks) receiver?.data(chunk);
        return Promise.resolve(STATUS_SUCCESS);
      },
      shutdownWrite: () => Promise.resolve(STATUS_SUCCESS),
      abort() {},
      close() {},
      setNoDelay() {},
      setKeepAlive() {},
    };
  };
  return {
    tcp: {
      connect: () => Promise.resolve({ status: STATUS_SUCCESS, value: stream() }),
      listen: unsupported,
    },
    udp: { bind: unsupported },
    dns: { getAddressInfo: unsupported, getNameInfo: unsupported },
  };
}

Deno.test("even a transport that calls back from inside WskSend gets no completion run inside that call", async () => {
  const client = new TestClient(echoingInsideWrite());
  try {
    const Socket = await client.connected("127.0.0.1", 1);
    const d = connDispatch(Socket);
    const events: string[] = [];
    const received = Promise.withResolvers<unknown>();
    // Recorded in the routine itself: a promise would defer it anyway.
    const receiveIrp = irpRunning((Irp) => {
      events.push("receive completes");
      received.resolve(Irp.IoStatus.Information);
    });
    d.WskReceive(Socket, wskBuf(new Uint8Array(3)), 0, receiveIrp);
    const sent = start((Irp) => d.WskSend(Socket, wskBuf(new Uint8Array([7, 8, 9])), 0, Irp));
    events.push("WskSend returned");
    assert.equal(await received.promise, 3);
    assert.equal((await sent.done).Status, STATUS_SUCCESS);
    assert.deepEqual(events, ["WskSend returned", "receive completes"]);
    await client.closeSocket(Socket);
  } finally {
    await client.close();
  }
});

Deno.test("a WskReceive whose IRP was cancelled before the call completes STATUS_CANCELLED and takes no bytes", () =>
  withConnection(async ({ Socket, peer, d }) => {
    const cancelled = start((Irp) => {
      Irp.Cancel = true;
      return d.WskReceive(Socket, wskBuf(new Uint8Array(4)), 0, Irp);
    });
    assert.equal((await cancelled.done).Status, STATUS_CANCELLED);
    const bytes = new Uint8Array(4);
    const received = start((Irp) => d.WskReceive(Socket, wskBuf(bytes), WSK_FLAG_WAITALL, Irp));
    await writeAll(peer, new Uint8Array([1, 2, 3, 4]));
    assert.equal((await received.done).Information, 4);
    assert.deepEqual([...bytes], [1, 2, 3, 4]);
  }));
