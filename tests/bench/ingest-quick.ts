/**
 * Quick ingest measure: how many node messages per second the embedded broker (aedes) hands to
 * the pipeline's onFrame callback, from N real MQTT node clients publishing QoS 1 at once; and
 * how many frames per second SerialIngest decodes from a socat PTY. Prints figures only.
 *
 *   npx tsx tests/bench/ingest-quick.ts [--nodes 8] [--messages 5000] [--serial 20000]
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { SerialPort } from 'serialport';
import { EmbeddedMqttIngest } from '../../gateway/ingest/embedded-broker.ts';
import { SerialIngest } from '../../gateway/ingest/serial-ingest.ts';
import { encodeFrame, nodeUp } from '../../protocol/index.ts';
import { startPtyPair } from '../../simulator/live/pty-pair.ts';
import { NodeClient } from '../../simulator/node-client.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '8' },
    messages: { type: 'string', default: '5000' },
    serial: { type: 'string', default: '20000' },
  },
});
const NODES = Number(values.nodes);
const PER_NODE = Number(values.messages);
const SERIAL_FRAMES = Number(values.serial);
const log = pino({ level: 'silent' });

function key(i: number): string {
  return (i + 1).toString(16).padStart(2, '0').repeat(32);
}

async function mqttIngest(): Promise<void> {
  const nodes = Array.from({ length: NODES }, (_, i) => new NodeClient(`bench-${i}`, key(i)));
  const keys = new Map(nodes.map((n) => [n.id, n.keyHex]));
  let received = 0;
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    done = resolve;
  });
  const total = NODES * PER_NODE;
  const ingest = new EmbeddedMqttIngest({
    host: '127.0.0.1',
    port: 0,
    gw: 'bench',
    ctx: { keyOf: (n) => keys.get(n), count: () => {}, log },
  });
  await ingest.start(() => {
    if (++received === total) done();
  });
  const url = `mqtt://127.0.0.1:${ingest.port}`;
  const clients = await Promise.all(nodes.map((n) => n.connect(url)));
  // signed heartbeats made in advance, so signing is not what is measured
  const wires = nodes.map((n) => Array.from({ length: PER_NODE }, () => n.heartbeat()));
  const started = performance.now();
  await Promise.all(
    clients.map(async (client, i) => {
      const topic = nodeUp(nodes[i].id);
      // a window of 100 unacknowledged QoS 1 publishes per node
      for (let m = 0; m < PER_NODE; m += 100) {
        await Promise.all(wires[i].slice(m, m + 100).map((w) => client.publishAsync(topic, w, { qos: 1 })));
      }
    }),
  );
  await all;
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `embedded MQTT ingest: ${NODES} nodes x ${PER_NODE} QoS 1 messages = ${total} in ${seconds.toFixed(2)} s ` +
      `-> ${Math.round(total / seconds)} msg/s into onFrame`,
  );
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await ingest.stop();
}

/** One node, one message at a time: publish call to onFrame, ms. */
async function mqttLatency(): Promise<void> {
  const node = new NodeClient('bench-lat', key(0));
  let arrived: () => void = () => {};
  const ingest = new EmbeddedMqttIngest({
    host: '127.0.0.1',
    port: 0,
    gw: 'bench',
    ctx: { keyOf: (n) => (n === node.id ? node.keyHex : undefined), count: () => {}, log },
  });
  await ingest.start(() => arrived());
  const client = await node.connect(`mqtt://127.0.0.1:${ingest.port}`);
  const samples: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const wire = node.heartbeat();
    const got = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const t0 = performance.now();
    client.publish(nodeUp(node.id), wire, { qos: 1 });
    await got;
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))].toFixed(2);
  console.log(
    `embedded MQTT ingest latency, publish -> onFrame (1000 single messages): p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${q(1)} ms`,
  );
  await client.endAsync(true);
  await ingest.stop();
}

async function serialIngest(): Promise<void> {
  const pty = await startPtyPair();
  const node = new NodeClient('bench-serial', key(0));
  const text = Array.from({ length: SERIAL_FRAMES }, () => encodeFrame(node.heartbeat())).join('');
  let received = 0;
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    done = resolve;
  });
  const ingest = new SerialIngest({
    ports: [{ path: pty.gatewayPath, baudRate: 115200 }],
    backoff: { minMs: 20, maxMs: 200 },
    ctx: { onLink: () => {}, count: () => {}, log },
  });
  await ingest.start(() => {
    if (++received === SERIAL_FRAMES) done();
  });
  while (!ingest.stats()[pty.gatewayPath].up) await new Promise((r) => setTimeout(r, 5));
  const port = await new Promise<SerialPort>((resolve, reject) => {
    const p = new SerialPort({ path: pty.nodePath, baudRate: 115200 }, (err) => (err ? reject(err) : resolve(p)));
  });
  const started = performance.now();
  port.write(text, 'latin1');
  await all;
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `serial ingest over a PTY: ${SERIAL_FRAMES} frames (${Math.round(text.length / SERIAL_FRAMES)} B each) in ` +
      `${seconds.toFixed(2)} s -> ${Math.round(SERIAL_FRAMES / seconds)} frames/s ` +
      `(a real 115200-baud UART carries about ${Math.round(11520 / (text.length / SERIAL_FRAMES))} frames/s)`,
  );
  await new Promise((r) => port.close(r));
  await ingest.stop();
  await pty.stop();
}

await mqttIngest();
await mqttLatency();
await serialIngest();
