import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import pino from 'pino';
import { validateConfig } from '../../../gateway/config/load.ts';
import { Gateway } from '../../../gateway/gateway.ts';
import { localMqttTransport } from '../../../gateway/ingest/transports.ts';
import { mountPanelFromConfig } from '../../../gateway/panel/panel.ts';
import { UserStore } from '../../../gateway/panel/users.ts';
import type { Placement } from '../../../gateway/wire/events.ts';
import { NodeClient } from '../../../simulator/node-client.ts';

/**
 * The real Gateway with its embedded MQTT broker (free port) and the panel mounted on its
 * HTTP server, on a temp data dir with one operator. Nodes join over MQTT with their own keys.
 */
export interface GatewayWithPanel {
  gateway: Gateway;
  base: string;
  mqttUrl: string;
  /** registers a node and connects it to the broker as itself */
  join(
    id: string,
    placement: Placement,
    onCommand?: (wire: string) => void,
  ): Promise<{ node: NodeClient; client: MqttClient }>;
  stop(): Promise<void>;
}

export const OPERATOR = { name: '值班员', password: 'operator-password-1' };

/** `extra`: more of the gateway config, e.g. a `gbt26875` block. */
export async function startGatewayWithPanel(extra: Record<string, unknown> = {}): Promise<GatewayWithPanel> {
  const dir = mkdtempSync(join(tmpdir(), 'pw-panel-gw-'));
  const users = UserStore.openInDir(dir);
  await users.add(OPERATOR.name, 'operator', OPERATOR.password);
  users.close();
  const config = validateConfig(
    {
      dataDir: dir,
      http: { host: '127.0.0.1', port: 0 },
      log: { level: 'silent' },
      localBroker: { mode: 'embedded', host: '127.0.0.1', port: 0 },
      ...extra,
    },
    'panel test gateway',
  );
  const local = localMqttTransport(config.localBroker, { gw: config.gatewayId, park: config.parkId });
  const logger = pino({ level: 'silent' });
  const gateway = new Gateway(config, {
    ingest: [local.factory],
    localPublisher: local.publisher,
    logger,
    http: async (gw) =>
      mountPanelFromConfig(gw.panel, { dataDir: dir, section: config.panel, tls: false, log: logger }),
  });
  await gateway.start();
  const mqttUrl = `mqtt://127.0.0.1:${local.port()}`;
  const clients: MqttClient[] = [];
  return {
    gateway,
    base: `http://127.0.0.1:${gateway.httpPort}`,
    mqttUrl,
    async join(id, placement, onCommand) {
      const [stored] = gateway.registry.upsert([{ id, channels: ['smoke'], ...placement }], Date.now());
      const node = new NodeClient(id, stored.keyHex);
      const client = await node.connect(mqttUrl, onCommand);
      clients.push(client);
      return { node, client };
    },
    async stop() {
      await Promise.all(clients.map((c) => c.endAsync(true)));
      await gateway.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
