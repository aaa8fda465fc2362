import { z } from 'zod';
import { Gbt26875Config } from '../gbt26875/config.ts';
import { ConsumerCredential } from '../ingest/consumer-credentials.ts';
import { PanelOptions } from '../panel/backend.ts';
import { Id } from '../wire/schemas.ts';

/**
 * The whole gateway config in one schema. Every key has a default, so an empty file runs.
 * Objects are strict: a misspelt key stops start-up instead of being ignored.
 * Nested objects use `prefault({})` so their own defaults are applied (zod 4's `default`
 * would return the literal without parsing it).
 */

const Port = z.number().int().min(0).max(65535);
const Millis = z.number().int().min(1).max(3_600_000);

const EmbeddedBroker = z
  .object({
    mode: z.literal('embedded'),
    host: z.string().min(1).default('0.0.0.0').describe('address the embedded broker listens on'),
    port: Port.default(1883).describe('TCP port of the embedded broker (0 = any free port)'),
    consumers: z.array(ConsumerCredential).default([]).describe('read-only logins for Node-RED and other consumers'),
  })
  .strict();

const ExternalBroker = z
  .object({
    mode: z.literal('external'),
    url: z.string().regex(/^(mqtts?|tcp|tls):\/\//, 'must start with mqtt:// or mqtts://'),
    username: z.string().optional(),
    password: z.string().optional(),
  })
  .strict();

export const LocalBrokerConfig = z
  .discriminatedUnion('mode', [EmbeddedBroker, ExternalBroker])
  .prefault({ mode: 'embedded' })
  .describe('local MQTT broker the nodes, panel and Node-RED use');

export const SerialPortConfig = z
  .object({
    path: z.string().min(1).describe('serial device, e.g. /dev/ttyUSB0'),
    baudRate: z.number().int().min(300).max(4_000_000).default(115200),
  })
  .strict();

export const TlsConfig = z
  .object({
    ca: z.string().optional().describe('file with the CA certificate(s) of the cloud broker (PEM)'),
    cert: z.string().optional().describe('file with this gateway client certificate (PEM)'),
    key: z.string().optional().describe('file with this gateway client key (PEM)'),
    rejectUnauthorized: z.boolean().default(true),
  })
  .strict();

export const BackoffConfig = z
  .object({
    minMs: Millis.default(500),
    maxMs: Millis.default(30_000),
  })
  .strict()
  .refine((b) => b.maxMs >= b.minMs, { message: 'maxMs must be >= minMs', path: ['maxMs'] });

export const CloudConfig = z
  .object({
    url: z
      .string()
      .regex(/^(mqtts?|tcp|tls|wss?):\/\//, 'must start with mqtt://, mqtts://, ws:// or wss://')
      .optional()
      .describe('cloud broker; absent: `parkwatch start` runs a local stand-in, `gateway` keeps events queued'),
    clientId: z.string().min(1).max(64).optional().describe('default: parkwatch-<park>-<gw>'),
    username: z.string().optional(),
    password: z.string().optional(),
    tls: TlsConfig.prefault({}),
    inflight: z.number().int().min(1).max(65_000).default(1000).describe('QoS 1 publishes awaiting PUBACK at once'),
    keepaliveS: z.number().int().min(5).max(3600).default(30),
    backoff: BackoffConfig.prefault({}),
  })
  .strict();

export const SupervisionConfig = z
  .object({
    missedHeartbeats: z.number().int().min(1).max(100).default(3).describe('offline after this many missed intervals'),
    maxOfflineS: z.number().int().min(5).max(86_400).default(100).describe('offline after at most this many seconds'),
    defaultHeartbeatS: z.number().int().min(1).max(86_400).default(30).describe('until a node reports its interval'),
  })
  .strict();

export const OutboxConfig = z
  .object({
    telemetryTtlS: z
      .number()
      .int()
      .min(1)
      .default(24 * 3600)
      .describe('telemetry older than this is not sent'),
    quotaBytes: z
      .number()
      .int()
      .min(1024)
      .default(512 * 1024 * 1024)
      .describe('queued bytes above which the oldest telemetry is dropped (alarms never are)'),
  })
  .strict();

export const GatewayConfig = z
  .object({
    gatewayId: Id.default('gw1'),
    parkId: Id.default('park1'),
    dataDir: z.string().min(1).default('./var').describe('SQLite database and panel users live here'),
    http: z
      .object({ host: z.string().min(1).default('0.0.0.0'), port: Port.default(8080) })
      .strict()
      .prefault({}),
    localBroker: LocalBrokerConfig,
    serial: z.array(SerialPortConfig).default([]),
    cloud: CloudConfig.prefault({}),
    supervision: SupervisionConfig.prefault({}),
    outbox: OutboxConfig.prefault({}),
    log: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .strict()
      .prefault({}),
    /** the local alarm panel's own options, defined by the panel (gateway/panel/backend.ts) */
    panel: PanelOptions.prefault({}),
    /** uplink to the city fire remote-monitoring centre, GB/T 26875.3 (gateway/gbt26875/config.ts) */
    gbt26875: Gbt26875Config.prefault({}),
  })
  .strict();

export type GatewayConfig = z.infer<typeof GatewayConfig>;
export type CloudConfig = z.infer<typeof CloudConfig>;

/** JSON Schema of the config file, for editors (`parkwatch gateway --schema`). */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(GatewayConfig, { io: 'input' });
}
