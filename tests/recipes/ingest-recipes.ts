import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { expect } from 'vitest';
import { openDatabase } from '../../gateway/store/database.ts';
import { NodeRegistry } from '../../gateway/store/registry.ts';
import { freePort, MosquittoProcess } from '../../simulator/live/mosquitto.ts';
import { NodeClient } from '../../simulator/node-client.ts';
import { spawnGateway } from '../gateway/support/gateway-process.ts';
import { until } from '../gateway/support/gateway-rig.ts';
import { type Block, ROOT, runRecipe } from './support/recipes.ts';

/**
 * docs/ingest.md "With an external Mosquitto": the password-file recipe runs as written, then
 * Mosquitto starts on the documented mosquitto.conf (port and /etc/mosquitto paths moved into
 * a temp folder) and the documented ACL, and the gateway, a node and Node-RED all log in.
 */
export async function checkMosquittoPasswd(
  recipe: Block,
  files: Block[],
  bin: string,
  cleanup: (f: () => unknown) => void,
) {
  const dir = mkdtempSync(join(tmpdir(), 'pw-recipe-mq-'));
  const dataDir = join(dir, 'data');
  const db = openDatabase(dataDir);
  const [n1] = new NodeRegistry(db).upsert(
    [
      { id: 'n1', channels: ['smoke'] },
      { id: 'n2', channels: ['water'] },
    ],
    Date.now(),
  );
  db.close();
  const port = await freePort();
  writeFileSync(
    join(dir, 'gateway.yaml'),
    `dataDir: ${dataDir}
http: { host: 127.0.0.1, port: 0 }
panel: { enabled: false }
log: { level: warn }
localBroker:
  mode: external
  url: mqtt://127.0.0.1:${port}
  username: parkwatch-gw
  password: GATEWAY-PASSWORD
`,
  );
  const ran = await runRecipe(recipe.text, dir, bin);
  expect(ran.stderr).not.toContain('rror');
  expect(ran.code).toBe(0);

  const conf = files.find((f) => f.name === 'mosquitto.conf');
  if (!conf) throw new Error('docs/ingest.md lost its mosquitto.conf block');
  const brokerDir = mkdtempSync(join(tmpdir(), 'pw-recipe-mosq-'));
  copyFileSync(join(dir, 'parkwatch.passwd'), join(brokerDir, 'parkwatch.passwd'));
  copyFileSync(join(ROOT, 'docs', 'mosquitto-acl.example'), join(brokerDir, 'parkwatch.acl'));
  const text = conf.text
    .replace(/^listener 1883$/m, `listener ${port} 127.0.0.1`)
    .replaceAll('/etc/mosquitto/', `${brokerDir}/`);
  expect(text).toContain(`listener ${port} 127.0.0.1`);
  writeFileSync(
    join(brokerDir, 'mosquitto.conf'),
    `${process.getuid?.() === 0 ? 'user root\n' : ''}log_dest stderr\nlog_type all\n${text}`,
  );
  const broker = await MosquittoProcess.launch(brokerDir, port, undefined, 5000);
  cleanup(() => broker.dispose());

  const consumer = await mqtt.connectAsync(broker.url, {
    username: 'nodered',
    password: 'NODERED-PASSWORD',
    clientId: 'nodered',
    reconnectPeriod: 0,
  });
  cleanup(() => consumer.end(true));
  const seen: string[] = [];
  consumer.on('message', (topic) => seen.push(topic));
  await consumer.subscribeAsync('pw/v1/gw/#', { qos: 1 });

  const gw = spawnGateway(join(dir, 'gateway.yaml'));
  cleanup(() => gw.child.kill('SIGKILL'));
  const node = new NodeClient(n1.id, n1.keyHex);
  const acks: string[] = [];
  const client = await node.connect(broker.url, (wire) => acks.push(wire));
  cleanup(() => client.end(true));
  await until(
    () => seen.some((t) => t.endsWith('/state')),
    30_000,
    `the gateway online at Mosquitto\n${gw.output()}\n${broker.log()}`,
  );
  await node.publish(client, node.alarm());
  await until(() => acks.some((w) => w.includes('event_ack')), 20_000, 'the alarm acknowledged');
  await until(() => seen.includes('pw/v1/gw/gw1/event/alarm'), 20_000, 'Node-RED receives the alarm');
  expect(broker.log()).not.toContain('not authorised');
  gw.child.kill('SIGTERM');
  expect(await gw.exited).toBe(0);
}
