import { MqttLocalPublisher } from '../local/local-publisher.ts';
import type { IngestFactory, LocalPublisher } from '../ports.ts';
import type { ConsumerCredential } from './consumer-credentials.ts';
import { EmbeddedMqttIngest } from './embedded-broker.ts';
import { ExternalMqttIngest } from './external-broker.ts';
import { SerialIngest } from './serial-ingest.ts';

/**
 * How the gateway plugs its transports in, from the config sections `localBroker` and `serial`
 * (shapes match gateway/config/schema.ts):
 *
 *   const local = localMqttTransport(config.localBroker, { gw, park });
 *   new Gateway({ ingest: [local.factory, serialTransport(config.serial)], localPublisher: local.publisher });
 */
export type LocalBrokerSection =
  | { mode: 'embedded'; host: string; port: number; consumers?: readonly ConsumerCredential[] }
  | { mode: 'external'; url: string; username?: string; password?: string; clientId?: string };

export interface LocalMqttTransport {
  factory: IngestFactory;
  /** exists before the broker; keeps retained states until the broker is up */
  publisher: LocalPublisher;
  /** the embedded broker's real port once started (config port 0 = any free port); undefined for external */
  port(): number | undefined;
}

export function localMqttTransport(
  config: LocalBrokerSection,
  ids: { gw: string; park: string },
  backoff: { minMs: number; maxMs: number } = { minMs: 500, maxMs: 30_000 },
): LocalMqttTransport {
  const publisher = new MqttLocalPublisher({ gw: ids.gw });
  let embedded: EmbeddedMqttIngest | undefined;
  const factory: IngestFactory = (ctx) => {
    if (config.mode === 'embedded') {
      embedded = new EmbeddedMqttIngest({ ...config, gw: ids.gw, publisher, ctx });
      return embedded;
    }
    return new ExternalMqttIngest({ ...config, ...ids, backoff, publisher, ctx });
  };
  return { factory, publisher, port: () => embedded?.port };
}

export function serialTransport(
  ports: readonly { path: string; baudRate: number }[],
  backoff: { minMs: number; maxMs: number } = { minMs: 500, maxMs: 30_000 },
): IngestFactory {
  return (ctx) => new SerialIngest({ ports, backoff, ctx });
}
