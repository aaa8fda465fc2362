import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import type { CloudTap } from './rig.ts';

/** Pieces both rigs share: connecting MQTT.js clients and the cloud-side subscriber. */

export async function connectClient(
  url: string,
  clientId: string,
  extra: mqtt.IClientOptions = {},
): Promise<MqttClient> {
  return mqtt.connectAsync(url, {
    clientId,
    protocolVersion: 4,
    reconnectPeriod: 200,
    connectTimeout: 5000,
    ...extra,
  });
}

/**
 * A QoS 1 subscriber with a persistent session (clean: false, fixed client id), so messages that
 * reach the cloud while it reconnects after a cloud restart are kept for it by the cloud broker.
 */
export async function openCloudTap(
  url: string,
  clientId: string,
  filter: string,
  keyOf: (payload: Buffer) => string | undefined,
  onKey: (key: string) => void,
): Promise<CloudTap> {
  const client = await connectClient(url, clientId, { clean: false });
  client.on('message', (_topic, payload) => {
    const key = keyOf(payload);
    if (key !== undefined) onKey(key);
  });
  await client.subscribeAsync(filter, { qos: 1 });
  return {
    close: async () => {
      await client.endAsync(true);
    },
  };
}

/** Resident set size of a process from /proc (Linux), bytes; 0 when it is gone. */
export function rssOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
