import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import type { NodeConfigInput } from '../../firmware/node-config-schema.ts';
import { type InputContext, type ResolvedInput, resolveInput } from '../node/inputs.ts';
import type { ScenarioNode } from './schema.ts';

/**
 * Turns a scenario's node entry into what the firmware stores in pw.cfg, and resolves its
 * inputs. The MQTT link points at "gateway.local"; each mode routes that name to its broker.
 */
export const GATEWAY_HOST = 'gateway.local';

/** A simulated node's key when the scenario gives none: stable, so runs are repeatable. */
export function derivedKey(id: string): string {
  return createHash('sha256').update(`parkwatch-sim-node:${id}`).digest('hex').slice(0, 32);
}

export function nodeConfig(n: ScenarioNode, mqttPort = 1883): NodeConfigInput {
  return {
    id: n.id,
    key: n.key ?? derivedKey(n.id),
    link:
      n.link === 'mqtt'
        ? { kind: 'mqtt', ssid: 'park-sim', pass: '', host: GATEWAY_HOST, port: mqttPort }
        : { kind: 'serial' },
    ...(n.heartbeatS ? { heartbeatS: n.heartbeatS } : {}),
    channels: (n.channels ?? [{ name: 'smoke', kind: 'analog' }]) as NodeConfigInput['channels'],
  };
}

export function resolveInputs(n: ScenarioNode, scenarioFile: string, dataDir: string): Record<string, ResolvedInput> {
  const ctx: InputContext = { dataDir, baseDir: dirname(scenarioFile) };
  const out: Record<string, ResolvedInput> = {};
  for (const [ch, spec] of Object.entries(n.inputs)) {
    try {
      out[ch] = resolveInput(spec, ctx);
    } catch (err) {
      throw new Error(`nodes.${n.id}.inputs.${ch}: ${(err as Error).message}`);
    }
  }
  return out;
}
