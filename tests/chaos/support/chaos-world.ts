import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningMosquitto, startMosquitto } from '../../../simulator/live/mosquitto.ts';
import { GatewayProcess, type GatewayProcessOptions } from '../../bench/gateway-process.ts';
import { CloudLog } from './cloud-log.ts';
import { ReliableNode } from './reliable-node.ts';

/**
 * One chaos scenario's world: a real Mosquitto as the cloud (persistence on, unlimited queue
 * for the cloud-side subscriber), the real gateway as a child process with `nodeIds`
 * provisioned, and the cloud log. `dispose()` kills everything and removes the temp folder.
 */
export interface ChaosWorld {
  cloud: RunningMosquitto;
  gateway: GatewayProcess;
  log: CloudLog;
  nodes: ReliableNode[];
  dir: string;
  dispose(): Promise<void>;
}

export async function startChaosWorld(
  nodeIds: string[],
  gatewayOptions: Omit<GatewayProcessOptions, 'dir' | 'cloudUrl'> = {},
): Promise<ChaosWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'pw-chaos-'));
  const cloud = await startMosquitto({ persistence: true, extraConfig: 'max_queued_messages 0' });
  const gateway = new GatewayProcess({ dir, cloudUrl: cloud.url, ...gatewayOptions });
  const nodes = nodeIds.map((id) => new ReliableNode(id, randomBytes(32).toString('hex')));
  gateway.provision(nodes.map((n) => ({ id: n.id, keyHex: n.sim.keyHex })));
  await gateway.start();
  const log = await CloudLog.open(cloud.url);
  return {
    cloud,
    gateway,
    log,
    nodes,
    dir,
    async dispose() {
      await Promise.all(nodes.map((n) => n.close()));
      await log.close();
      await gateway.kill();
      await cloud.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Produces alarms round-robin over the nodes at about `perSecond` in total until stopped. */
export function alarmLoad(nodes: ReliableNode[], perSecond: number): { stop(): void } {
  const start = Date.now();
  let produced = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((Date.now() - start) * perSecond) / 1000);
    for (; produced < due; produced++) nodes[produced % nodes.length].alarm();
  }, 10);
  return { stop: () => clearInterval(timer) };
}
