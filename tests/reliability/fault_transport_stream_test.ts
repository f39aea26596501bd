// Copyright 2026 the wskemu authors. MIT license.
// The fault transport's own contract, below WSK: it keeps the TcpStream and
// TcpListener promises (order, backpressure, no call from inside a call,
// statuses after abort and close) while it delays, slices and kills.
import assert from "node:assert/strict";
import {
  STATUS_CANCELLED,
  STATUS_CONNECTION_ABORTED,
  STATUS_INVALID_PARAMETER,
  STATUS_SUCCESS,
  STATUS_UNEXPECTED_NETWORK_ERROR,
} from "../../mod.ts";
import { Pacer } from "../../testing/_pacer.ts";
import { FaultTransport } from "../../testing/mod.ts";
import { endpoint, realTransport } from "../../transport/mod.ts";
import type { TcpListener, TcpStream } from "../../transport/types.ts";
import { pattern, Recorder } from "../transport/_tcp_helpers.ts";

/** A real listener whose server side sends `reply`, then FIN, and records what it receives. */
async function server(
  reply: Uint8Array,
): Promise<{ listener: TcpListener; received: Recorder; streams: TcpStream[] }> {
  const listener = (await realTransport.tcp.listen({ local: endpoint("127.0.0.1", 0) })).value!;
  const received = new Recorder();
  const streams: TcpStream[] = [];
  listener.onConnection((stream) => {
    streams.push(stream);
    stream.receive(received);
    stream.write([reply]).then(() => stream.shutdownWrite());
  });
  return { listener, received, streams };
}

Deno.test("a paused faulted stream delivers nothing until resume(), and nothing from inside resume()", async () => {
  const reply = pattern(20_000);
  const { listener, streams } = await server(reply);
  const faults = new FaultTransport({ seed: 2, maxSliceBytes: 700, latencyMs: 1 });
  const client = (await faults.tcp.connect({ remote: listener.localAddress })).value!;
  const chunks: Uint8Array[] = [];
  let paused = false;
  let insideResume = false;
  const ended = Promise.withResolvers<void>();
  client.receive({
    // Every slice pauses the stream; a timer resumes it.
    data(bytes) {
      assert.equal(paused, false, "data() while paused");
      assert.equal(insideResume, false, "data() from inside resume()");
      chunks.push(bytes.slice());
      paused = true;
      setTimeout(() => {
        paused = false;
        insideResume = true;
        client.resume();
        insideResume = false;
      }, 1);
      return false;
    },
    end: () => ended.resolve(),
    error: (status) => ended.reject(new Error(`error ${status}`)),
  });
  await ended.promise;
  assert.deepEqual(new Uint8Array(chunks.flatMap((chunk) => [...chunk])), reply);
  assert.ok(chunks.every((chunk) => chunk.length <= 700));
  client.close();
  for (const stream of streams) stream.close();
  listener.close();
});

Deno.test("writes through latency and slicing arrive in order, then the FIN", async () => {
  const { listener, received, streams } = await server(new Uint8Array(0));
  const faults = new FaultTransport({ seed: 4, maxSliceBytes: 7, latencyMs: 3 });
  const client = (await faults.tcp.connect({ remote: listener.localAddress })).value!;
  client.receive(new Recorder());
  const parts = [pattern(1000, 1), pattern(1, 2), new Uint8Array(0), pattern(333, 3)];
  const writes = parts.map((part) => client.write([part]));
  const garbage = [new Uint8Array(1), "not bytes"] as unknown as Uint8Array[];
  assert.equal(await client.write(garbage), STATUS_INVALID_PARAMETER, "refused, nothing queued");
  const fin = client.shutdownWrite();
  assert.deepEqual(await Promise.all(writes), parts.map(() => STATUS_SUCCESS));
  assert.equal(await fin, STATUS_SUCCESS);
  assert.equal(await received.done, "end");
  const all = new Uint8Array(1334);
  all.set(parts[0]!, 0);
  all.set(parts[1]!, 1000);
  all.set(parts[3]!, 1001);
  assert.deepEqual(received.bytes(), all);
  client.close();
  for (const stream of streams) stream.close();
  listener.close();
});

Deno.test("abort() and close() settle writes still waiting out their latency, and later ones", async () => {
  const { listener, streams } = await server(new Uint8Array(0));
  const faults = new FaultTransport({ latencyMs: 60_000 });
  const aborted = (await faults.tcp.connect({ remote: listener.localAddress })).value!;
  const closed = (await faults.tcp.connect({ remote: listener.localAddress })).value!;
  const waitingA = aborted.write([new Uint8Array(10)]);
  const waitingC = closed.write([new Uint8Array(10)]);
  const finC = closed.shutdownWrite();
  assert.equal(aborted.writeQueueSize, 10);
  aborted.abort();
  closed.close();
  assert.equal(await waitingA, STATUS_CONNECTION_ABORTED);
  assert.equal(await aborted.write([new Uint8Array(1)]), STATUS_CONNECTION_ABORTED);
  assert.equal(await waitingC, STATUS_CANCELLED);
  assert.equal(await finC, STATUS_CANCELLED);
  assert.equal(await closed.write([new Uint8Array(1)]), STATUS_CANCELLED);
  for (const stream of streams) stream.close();
  listener.close();
});

Deno.test("a listener set to die after 2 connections delivers both, reports once, and frees its port", async () => {
  const faults = new FaultTransport({ failListenerAfter: 2 });
  const listener = (await faults.tcp.listen({ local: endpoint("127.0.0.1", 0) })).value!;
  const { port } = listener.localAddress;
  const events: string[] = [];
  const died = Promise.withResolvers<void>();
  const accepted: TcpStream[] = [];
  listener.onConnection((stream) => {
    accepted.push(stream);
    events.push("accept");
  }, (status) => {
    events.push(status === STATUS_UNEXPECTED_NETWORK_ERROR ? "died" : `died ${status}`);
    died.resolve();
  });
  assert.deepEqual(events, [], "nothing from inside onConnection()");
  const peers = [
    await Deno.connect({ hostname: "127.0.0.1", port }),
    await Deno.connect({ hostname: "127.0.0.1", port }),
  ];
  await died.promise;
  assert.deepEqual(events, ["accept", "accept", "died"]);
  await assert.rejects(
    Deno.connect({ hostname: "127.0.0.1", port }),
    Deno.errors.ConnectionRefused,
  );
  for (const peer of peers) peer.close();
  for (const stream of accepted) stream.close();
  listener.close();
});

Deno.test("the bandwidth cap spaces pieces by their size, after the latency, in order", () => {
  // Pieces that arrive together: each may move on its own size's worth of time after the one before.
  const capped = new Pacer(50, 1000);
  const before = performance.now();
  const first = capped.due(1000);
  assert.ok(first >= before + 50 + 1000, "the first piece waits out the latency and its own bytes");
  const near = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-6);
  near(capped.due(500) - first, 500);
  near(capped.due(2000) - first, 500 + 2000);
  assert.equal(new Pacer(0, 0).immediate, true);
  assert.equal(new Pacer(0, 1).immediate, false);
});

Deno.test("options out of range are refused with a RangeError", () => {
  assert.throws(() => new FaultTransport({ latencyMs: -1 }), RangeError);
  assert.throws(() => new FaultTransport({ maxSliceBytes: Number.NaN }), RangeError);
  assert.throws(() => new FaultTransport({ udpDropRate: 1.5 }), RangeError);
  assert.throws(() => new FaultTransport({ udpDuplicateRate: -0.1 }), RangeError);
});

Deno.test("delayed datagrams keep their order both ways, and close() cancels sends still waiting", async () => {
  const local = endpoint("127.0.0.1", 0);
  const faults = new FaultTransport({ latencyMs: 5 });
  const slow = (await faults.udp.bind({ local })).value!;
  const plain = (await realTransport.udp.bind({ local })).value!;
  const arrived: number[] = [];
  const all = Promise.withResolvers<void>();
  slow.receive(({ data }) => arrived.push(data[0]!) === 20 && all.resolve());
  const echoed: number[] = [];
  const back = Promise.withResolvers<void>();
  plain.receive(({ data }) => echoed.push(data[0]!) === 20 && back.resolve());
  for (let i = 0; i < 20; i++) {
    await plain.send([new Uint8Array([i])], slow.localAddress);
    assert.equal(await slow.send([new Uint8Array([i])], plain.localAddress), STATUS_SUCCESS);
  }
  await Promise.all([all.promise, back.promise]);
  const order = Array.from({ length: 20 }, (_, i) => i);
  assert.deepEqual(arrived, order);
  assert.deepEqual(echoed, order);
  const waiting = slow.send([new Uint8Array([99])], plain.localAddress);
  slow.close();
  assert.equal(await waiting, STATUS_CANCELLED);
  plain.close();
});
