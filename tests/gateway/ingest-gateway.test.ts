import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../gateway/config/load.ts';
import { Gateway } from '../../gateway/gateway.ts';
import { localMqttTransport, serialTransport } from '../../gateway/ingest/transports.ts';
import { DecidedEvent, GatewayState } from '../../gateway/wire/events.ts';
import { FrameDecoder, gatewayState, unseal } from '../../protocol/index.ts';
import { type PtyPair, startPtyPair } from '../../simulator/live/pty-pair.ts';
import { NodeClient } from '../../simulator/node-client.ts';
import { waitFor } from './ingest-wait.ts';

/**
 * The transports wired into the real gateway (verify -> decide -> store -> publish): a node over
 * the embedded broker and a node over a PTY serial line raise alarms; a read-only consumer sees
 * the decided events; each node gets its event_ack back on the path it used; a vanished serial
 * port becomes a link trouble and its return a trouble_clear.
 */
let dir: string;
let pty: PtyPair;
let gateway: Gateway;
let url: string;
const events: DecidedEvent[] = [];
const gatewayStates: GatewayState[] = [];
const clients: MqttClient[] = [];
let serialNode: SerialPort;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-gw-ingest-'));
  pty = await startPtyPair();
  const config = validateConfig(
    {
      dataDir: dir,
      http: { host: '127.0.0.1', port: 0 },
      log: { level: 'silent' },
      localBroker: {
        mode: 'embedded',
        host: '127.0.0.1',
        port: 0,
        consumers: [{ username: 'nodered', password: 'nodered-pass' }],
      },
      serial: [{ path: pty.gatewayPath }],
    },
    'test',
  );
  const local = localMqttTransport(config.localBroker, { gw: config.gatewayId, park: config.parkId });
  gateway = new Gateway(config, {
    ingest: [local.factory, serialTransport(config.serial, { minMs: 20, maxMs: 200 })],
    localPublisher: local.publisher,
    logger: pino({ level: 'silent' }),
  });
  await gateway.start();
  url = `mqtt://127.0.0.1:${local.port()}`;
  const consumer = await mqtt.connectAsync(url, {
    username: 'nodered',
    password: 'nodered-pass',
    clientId: 'nodered',
    reconnectPeriod: 0,
  });
  clients.push(consumer);
  consumer.on('message', (topic, payload) => {
    if (topic.includes('/event/')) events.push(DecidedEvent.parse(JSON.parse(payload.toString())));
    if (topic === gatewayState(config.gatewayId))
      gatewayStates.push(GatewayState.parse(JSON.parse(payload.toString())));
  });
  await consumer.subscribeAsync(['pw/v1/gw/+/event/#', gatewayState(config.gatewayId)], { qos: 1 });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  if (serialNode?.isOpen) await new Promise((r) => serialNode.close(r));
  await gateway?.stop();
  await pty?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function register(id: string): NodeClient {
  const [stored] = gateway.registry.upsert([{ id, channels: ['smoke'], enterprise: 'E1', zone: 'Z1' }], Date.now());
  return new NodeClient(id, stored.keyHex);
}

const kindOf = (wire: string) => (JSON.parse(unseal(wire)!.body) as { kind: string }).kind;

describe('ingest transports in the real gateway', () => {
  it('the gateway online state, published before the broker was up, is retained for consumers', async () => {
    await waitFor(() => gatewayStates.length > 0, 'retained gateway state');
    expect(gatewayStates[0]).toMatchObject({ gw: 'gw1', state: 'online' });
  });

  it('an MQTT node alarm is decided, published to the consumer, and acknowledged on the node down topic', async () => {
    const node = register('mq-1');
    const commands: string[] = [];
    const client = await node.connect(url, (w) => commands.push(w));
    clients.push(client);
    await node.publish(client, node.alarm());
    await waitFor(() => events.some((e) => e.node === 'mq-1' && e.kind === 'alarm'), 'alarm event at the consumer');
    await waitFor(() => commands.some((w) => kindOf(w) === 'event_ack'), 'event_ack at the node');
    expect(events.find((e) => e.node === 'mq-1')?.origin?.path).toBe('mqtt');
  });

  it('a serial node alarm is decided and acknowledged back over the same serial line', async () => {
    const node = register('se-1');
    serialNode = await new Promise<SerialPort>((resolve, reject) => {
      const p = new SerialPort({ path: pty.nodePath, baudRate: 115200 }, (err) => (err ? reject(err) : resolve(p)));
    });
    const commands: string[] = [];
    const decoder = new FrameDecoder({ frame: (p) => commands.push(p), reject: () => {} });
    serialNode.on('data', (chunk: Buffer) => decoder.push(chunk.toString('latin1')));
    serialNode.write(`boot chatter\r\n${node.frame('alarm', 'smoke', { v: 900, b: 100, th: 500, src: 'smoke' })}`);
    await waitFor(() => events.some((e) => e.node === 'se-1' && e.kind === 'alarm'), 'serial alarm event');
    await waitFor(() => commands.some((w) => kindOf(w) === 'event_ack'), 'event_ack on the serial line');
    expect(events.find((e) => e.node === 'se-1')?.origin?.path).toBe('serial');
  });

  it('an unplugged serial port is a link trouble, its return a trouble_clear, and the gateway keeps running', async () => {
    if (serialNode.isOpen) await new Promise((r) => serialNode.close(r));
    await pty.unplug();
    await waitFor(() => events.some((e) => e.kind === 'trouble' && e.trouble === 'link'), 'link trouble');
    await pty.plug();
    await waitFor(() => events.some((e) => e.kind === 'trouble_clear' && e.trouble === 'link'), 'link trouble_clear');
    const trouble = events.find((e) => e.kind === 'trouble' && e.trouble === 'link');
    expect(trouble?.node).toBeNull();
  });
});
