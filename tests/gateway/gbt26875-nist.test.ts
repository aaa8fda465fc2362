import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../gateway/store/database.ts';
import { NodeRegistry } from '../../gateway/store/registry.ts';
import { SimAccessPoint } from '../../simulator/board/access-point.ts';
import { realTcp } from '../../simulator/board/links.ts';
import { DEFAULT_DATA } from '../../simulator/eval/eval-cli.ts';
import { loadFirmwareScript } from '../../simulator/firmware-script.ts';
import { GbtCentre } from '../../simulator/gbt26875-centre/centre.ts';
import { freePort } from '../../simulator/live/mosquitto.ts';
import { SimNode } from '../../simulator/node/sim-node.ts';
import { loadScenario } from '../../simulator/scenario/load.ts';
import { derivedKey, GATEWAY_HOST, nodeConfig, resolveInputs } from '../../simulator/scenario/node-setup.ts';
import { VirtualClock } from '../../simulator/virtual-clock.ts';
import { type GatewayProcess, spawnGateway, waitForPort, writeConfig } from './support/gateway-process.ts';
import { tempDir, until } from './support/gateway-rig.ts';

/**
 * Firmware in the loop: the node firmware, fed the NIST SDC02 chair fire (Pho1B, the
 * scenario simulator/scenarios/nist-fire-mqtt.yaml), talks real MQTT to the real gateway
 * process, which sends the alarm to the centre peer as a component-status fire frame. The
 * node's clock runs 20 times faster than the wall clock so the 300 s scenario takes 15 s.
 */
const SCENARIO = join(import.meta.dirname, '..', '..', 'simulator', 'scenarios', 'nist-fire-mqtt.yaml');
const dir = tempDir('pw-gbt-nist-');
let gw: GatewayProcess | undefined;
const centre = new GbtCentre();
afterAll(async () => {
  gw?.child.kill('SIGKILL');
  await gw?.exited;
  await centre.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a NIST fire through the firmware to the monitoring centre', () => {
  it('arrives as a confirmed component-status fire frame', async () => {
    const scenario = loadScenario(SCENARIO);
    const hall = scenario.nodes.find((n) => n.id === 'hall-b');
    if (!hall) throw new Error('hall-b is not in the scenario');
    const centrePort = await centre.start();
    const brokerPort = await freePort();
    const config = writeConfig(dir, {
      dataDir: dir,
      http: { host: '127.0.0.1', port: await freePort() },
      localBroker: { mode: 'embedded', host: '127.0.0.1', port: brokerPort },
      panel: { enabled: false },
      gbt26875: { enabled: true, port: centrePort, heartbeatS: 0, backoff: { minMs: 50, maxMs: 300 } },
    });
    const db = openDatabase(dir);
    new NodeRegistry(db).upsert(
      [{ id: hall.id, keyHex: hall.key ?? derivedKey(hall.id), channels: ['smoke'], zone: 'B', location: '大厅' }],
      Date.now(),
    );
    db.close();
    gw = spawnGateway(config);
    await waitForPort(brokerPort);

    const clock = new VirtualClock(0);
    const node = new SimNode({
      config: nodeConfig(hall),
      inputs: resolveInputs(hall, SCENARIO, DEFAULT_DATA),
      fw: await loadFirmwareScript(),
      clock,
      net: realTcp((host, port) => (host === GATEWAY_HOST ? { host: '127.0.0.1', port: brokerPort } : { host, port })),
      wifi: new SimAccessPoint(),
    });
    node.board.powerOn();
    const fire = () => centre.received.find((r) => r.data?.type === 2 && JSON.stringify(r.data).includes('"fire"'));
    const timer = setInterval(() => {
      if (clock.now() < scenario.durationS * 1000) clock.advance(100);
    }, 5);
    try {
      await until(() => fire() !== undefined, 60_000, 'the fire frame at the centre');
    } finally {
      clearInterval(timer);
      node.board.powerCut();
    }
    const frame = fire();
    expect(frame).toMatchObject({ command: 'send_data' });
    expect(frame?.data).toMatchObject({
      type: 2,
      objects: [{ componentType: 42, description: 'B大厅', status: { bits: ['normal', 'fire'] } }],
    });
    // the gateway's event log holds the alarm, and the confirm in its log names that event
    const events = new Database(join(dir, 'parkwatch.sqlite'), { readonly: true });
    const alarm = events.prepare("SELECT seq, body FROM events WHERE node = ? AND kind = 'alarm'").get(hall.id) as
      | { seq: number; body: string }
      | undefined;
    events.close();
    expect(alarm, 'the alarm in the event log').toBeDefined();
    const confirmed = () =>
      (gw?.output() ?? '')
        .split('\n')
        .find((l) => l.includes('监控中心已确认') && l.includes(`"eventSeq":${alarm?.seq},`));
    await until(() => confirmed() !== undefined, 10_000, 'the confirm of the alarm in the gateway log');
    // no timing asserted here (a shared box); the alarm-to-centre figure is the bench's job. Printed for the record:
    const receivedAt = JSON.parse(alarm?.body ?? '{}').receivedAt as number;
    console.log(`NIST fire: gateway received -> centre held the frame ${(frame?.at ?? 0) - receivedAt} ms`);
  }, 120_000);
});
