import { z } from 'zod';
import {
  CONFIG_FILE,
  configDefaults,
  type NodeConfig as FirmwareNodeConfig,
  HEARTBEAT_DEFAULT_S,
  MAX_CHANNELS,
} from './config.ts';

const defaults = configDefaults();
/** The node's defaults (firmware/config.ts configDefaults), for Node code and tests. */
export const DEFAULT_PINS = defaults.pins;
export const SMOKE_DEFAULTS = defaults.smoke;
export const WATER_DEFAULTS = defaults.water;
export const BATTERY_DEFAULTS = defaults.battery;

/**
 * zod mirror of firmware/config.ts for the Node side: the flash command checks a node file
 * before anything is written to a board, the gateway checks set_config, the simulator builds
 * nodes from it. Same fields, limits and defaults as the node's own validator (a test feeds
 * both the same configs). Parsing fills in the defaults, so what a node would run is visible.
 */

const PinName = z.string().regex(/^[A-Z][0-9A-Z]{0,5}$/, 'Espruino pin name such as D34 / Espruino 引脚名，如 D34');
const Source = z.enum(['smoke', 'water', 'heat']);
const Level = z.union([z.literal(0), z.literal(1)]);
const ChannelName = z.string().regex(/^[a-z][a-z0-9_]{0,15}$/, 'lower-case name, at most 16 characters');
const range = (min: number, max: number) => z.number().min(min).max(max);

export const MqttLinkSchema = z.object({
  kind: z.literal('mqtt'),
  ssid: z.string().min(1).max(32),
  pass: z.string().max(64).default(''),
  host: z.string().regex(/^[A-Za-z0-9.-]{1,64}$/, 'host name or IPv4 address'),
  port: z.number().int().min(1).max(65535).default(1883),
});

export const SerialLinkSchema = z.object({
  kind: z.literal('serial'),
  uart: z
    .string()
    .regex(/^Serial[1-3]$/)
    .default('Serial2'),
  baud: z.number().int().min(1200).max(921600).default(115200),
  rx: PinName.optional(),
  tx: PinName.optional(),
});

export const LinkSchema = z.discriminatedUnion('kind', [MqttLinkSchema, SerialLinkSchema]);

const s = SMOKE_DEFAULTS;
export const AnalogChannelSchema = z
  .object({
    name: ChannelName,
    kind: z.literal('analog'),
    pin: z.string().optional(),
    src: Source.default('smoke'),
    rising: z.boolean().default(s.rising),
    everyMs: range(100, 60000).default(s.everyMs),
    median: z.union([z.literal(1), z.literal(3), z.literal(5)]).default(3),
    smooth: range(0.01, 1).default(s.smooth),
    zero: range(0, 1).default(s.zero),
    gain: range(1, 1000000).default(s.gain),
    pre: range(1, 1000000).default(s.pre),
    alarm: range(1, 1000000).default(s.alarm),
    hyst: range(0, 1000000).default(s.hyst),
    verifyS: range(0, 120).default(s.verifyS),
    lo: range(0, 1).default(s.lo),
    hi: range(0, 1).default(s.hi),
    faultS: range(0, 600).default(s.faultS),
    quiet: range(0, 1000000).default(s.quiet),
    driftPerH: range(0, 1000000).default(s.driftPerH),
    comp: range(0, 1000000).default(s.comp),
    telemetryS: range(0, 86400).int().default(s.telemetryS),
  })
  .transform((c) => ({ ...c, pin: c.pin ?? c.name }))
  .refine((c) => c.pre <= c.alarm, { message: 'pre must not be above alarm / 预警阈值不能高于报警阈值', path: ['pre'] })
  .refine((c) => c.hyst < c.pre, { message: 'hyst must be below pre / 回差必须小于预警阈值', path: ['hyst'] })
  .refine((c) => c.lo < c.zero && c.zero < c.hi, {
    message: 'zero must lie inside lo..hi / 零点必须在有效范围内',
    path: ['zero'],
  });

const w = WATER_DEFAULTS;
export const ContactChannelSchema = z
  .object({
    name: ChannelName,
    kind: z.literal('contact'),
    pin: z.string().optional(),
    src: Source.default('water'),
    active: Level.default(w.active),
    pull: z.enum(['up', 'down', 'none']).default(w.pull),
    onMs: range(0, 600000).default(w.onMs),
    offMs: range(0, 3600000).default(w.offMs),
    latch: z.boolean().default(w.latch),
  })
  .transform((c) => ({ ...c, pin: c.pin ?? c.name }));

export const ChannelSchema = z.union([AnalogChannelSchema, ContactChannelSchema]);

export const BatterySchema = z.object({
  pin: z.string().default('battery'),
  mvPerScale: range(1000, 20000).default(BATTERY_DEFAULTS.mvPerScale),
  lowMv: range(1000, 20000).default(BATTERY_DEFAULTS.lowMv),
  everyS: range(10, 86400).int().default(BATTERY_DEFAULTS.everyS),
});

export const TamperSchema = z.object({ pin: z.string().default('tamper'), active: Level.default(1) });

export const NodeConfigSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'node id: 1-32 of A-Z a-z 0-9 _ - / 节点编号'),
    key: z.string().regex(/^[0-9a-fA-F]{32,128}$/, 'key: 32-128 hex characters / 密钥：32-128 个十六进制字符'),
    link: LinkSchema,
    heartbeatS: range(5, 3600).int().default(HEARTBEAT_DEFAULT_S),
    pins: z
      .record(z.string(), PinName)
      .optional()
      .transform((p) => ({ ...DEFAULT_PINS, ...(p ?? {}) })),
    channels: z.array(ChannelSchema).min(1).max(MAX_CHANNELS),
    battery: BatterySchema.optional(),
    tamper: TamperSchema.optional(),
  })
  .superRefine((c, ctx) => {
    const seen: string[] = [];
    c.channels.forEach((ch, i) => {
      if (seen.includes(ch.name))
        ctx.addIssue({ code: 'custom', message: 'duplicate channel name', path: ['channels', i, 'name'] });
      seen.push(ch.name);
      if (c.pins[ch.pin] === undefined) {
        ctx.addIssue({ code: 'custom', message: `no pin named "${ch.pin}" in pins`, path: ['channels', i, 'pin'] });
      }
    });
    if (c.battery && c.pins[c.battery.pin] === undefined) {
      ctx.addIssue({ code: 'custom', message: `no pin named "${c.battery.pin}" in pins`, path: ['battery', 'pin'] });
    }
    if (c.tamper && c.pins[c.tamper.pin] === undefined) {
      ctx.addIssue({ code: 'custom', message: `no pin named "${c.tamper.pin}" in pins`, path: ['tamper', 'pin'] });
    }
  });

/** A node config as written by hand (defaults optional). */
export type NodeConfigInput = z.input<typeof NodeConfigSchema>;
/** A node config with every default filled in: what the node runs. */
export type NodeConfig = z.output<typeof NodeConfigSchema>;

// Compile-time check that the zod mirror produces what the firmware validator produces.
const _sameShape: (c: NodeConfig) => FirmwareNodeConfig = (c) => c;
void _sameShape;

/** Storage file the node reads its config from. */
export const NODE_CONFIG_FILE = CONFIG_FILE;

/** One line per problem, "path: message", for installers. */
export function describeConfigErrors(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`);
}

/**
 * The text a node stores and hashes: JSON of the config exactly as given (no defaults added),
 * so the node's `cfh` in hello equals sha256 of this string.
 */
export function configText(config: NodeConfigInput): string {
  return JSON.stringify(config);
}
