import { rmSync } from 'node:fs';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../gateway/config/load.ts';
import { type RunningGateway, runGateway } from '../../gateway/run.ts';
import type { DecidedEvent, GatewayState, NodeState } from '../../gateway/wire/events.ts';
import { gatewayEvent, gatewayNodeState, gatewayState } from '../../protocol/topics.ts';
import { freePort } from '../../simulator/live/mosquitto.ts';
import { NodeClient } from '../../simulator/node-client.ts';
import { metric, tempDir, until } from './support/gateway-rig.ts';

/**
 * The gateway as `parkwatch gateway` builds it: the embedded local broker (aedes) with node
 * logins, a read-only consumer (as Node-RED) that sees decided events and retained node state,
 * and a node that gets its signed event_ack over MQTT. No cloud: events stay in the outbox.
 */
const dir = tempDir();
let running: RunningGateway | undefined;
afterAll(async () => {
  await running?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('gateway with the embedded local broker', () => {
  it('takes a node alarm over MQTT, acknowledges it, and publishes it locally', async () => {
    const port = await freePort();
    const config = validateConfig(
      {
        dataDir: dir,
        http: { host: '127.0.0.1', port: 0 },
        localBroker: {
          mode: 'embedded',
          host: '127.0.0.1',
          port,
          consumers: [{ username: 'nodered', password: 'nodered-pass' }],
        },
        panel: { enabled: false },
      },
      'test',
    );
    const logLines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => logLines.push(JSON.parse(line)) });
    running = await runGateway(config, { logger });
    const gw = running.gateway;
    const [stored] = gw.registry.upsert([{ id: 'm1', channels: ['water'], zone: 'B2' }], Date.now());
    const url = `mqtt://127.0.0.1:${port}`;

    const consumer = await mqtt.connectAsync(url, {
      username: 'nodered',
      password: 'nodered-pass',
      reconnectPeriod: 0,
    });
    const events: DecidedEvent[] = [];
    const states: NodeState[] = [];
    const gwStates: GatewayState[] = [];
    consumer.on('message', (topic, payload) => {
      const body = JSON.parse(payload.toString());
      if (topic === gatewayNodeState('gw1', 'm1')) states.push(body);
      else if (topic === gatewayState('gw1')) gwStates.push(body);
      else events.push(body);
    });
    await consumer.subscribeAsync(
      [gatewayEvent('gw1', '+'), gatewayNodeState('gw1', 'm1'), gatewayState('gw1')].map((t) => t),
      { qos: 1 },
    );

    const node = new NodeClient('m1', stored.keyHex);
    const commands: string[] = [];
    const client = await node.connect(url, (wire) => commands.push(wire));
    await node.publish(client, node.heartbeat());
    await node.publish(client, node.alarm('water', 40));
    await until(() => commands.length > 0, 5000, 'event_ack');
    expect(JSON.parse(commands[0])).toMatchObject({ kind: 'event_ack', node: 'm1', d: { seqs: [2] } });
    await until(() => events.length > 0 && states.length > 0, 5000, 'local publish');
    expect(events[0]).toMatchObject({ kind: 'alarm', priority: 'water', node: 'm1', placement: { zone: 'B2' } });
    expect(states.at(-1)).toMatchObject({ node: 'm1', online: true, battery: 3000, channels: { water: 'alarm' } });
    expect(gwStates.at(-1)).toMatchObject({ gw: 'gw1', state: 'online' });
    const text = await (await fetch(`http://127.0.0.1:${gw.httpPort}/metrics`)).text();
    expect(metric(text, 'parkwatch_ingest_frames_total{path="mqtt",kind="alarm"}')).toBe(1);
    expect(metric(text, 'parkwatch_ingest_frames_total{path="mqtt",kind="heartbeat"}')).toBe(1);
    expect(metric(text, 'parkwatch_outbox_depth')).toBe(1);
    // whoever tails the log sees the alarm, with where it is; telemetry and heartbeats make no line
    expect(logLines.filter((l) => l.kind !== undefined)).toEqual([
      expect.objectContaining({ msg: '报警 / alarm', kind: 'alarm', node: 'm1', ch: 'water', state: 'active' }),
    ]);
    expect(logLines.find((l) => l.kind === 'alarm')?.place).toContain('B2');
    client.end(true);
    consumer.end(true);
  });

  it('mounts the local panel on the gateway HTTP server next to /metrics', async () => {
    const panelDir = tempDir();
    const config = validateConfig(
      {
        dataDir: panelDir,
        http: { host: '127.0.0.1', port: 0 },
        localBroker: { mode: 'embedded', host: '127.0.0.1', port: 0 },
      },
      'test',
    );
    const withPanel = await runGateway(config, { logger: pino({ level: 'silent' }) });
    try {
      const base = `http://127.0.0.1:${withPanel.gateway.httpPort}`;
      const page = await fetch(`${base}/panel/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect((await fetch(`${base}/metrics`)).status).toBe(200);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    } finally {
      await withPanel.stop();
      rmSync(panelDir, { recursive: true, force: true });
    }
  });
});
