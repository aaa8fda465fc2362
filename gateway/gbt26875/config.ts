import { z } from 'zod';

/**
 * The `gbt26875:` block of the gateway config: the uplink to the city fire remote-monitoring
 * centre (城市消防远程监控中心) over GB/T 26875.3-2011. Off unless `enabled: true`.
 */
const Address = z
  .string()
  .regex(/^[0-9a-fA-F]{12}$/, 'must be 12 hex digits (6 bytes, wire order)')
  .transform((s) => s.toLowerCase());

export const Gbt26875Config = z
  .object({
    enabled: z.boolean().default(false).describe('send events to the monitoring centre / 是否上传至消防远程监控中心'),
    host: z.string().min(1).default('127.0.0.1').describe('centre host given by the centre / 监控中心地址'),
    port: z.number().int().min(1).max(65535).default(9000).describe('centre TCP port / 监控中心端口'),
    deviceAddress: Address.default('000000000000').describe(
      "this gateway's address as a transmission device (source) / 本装置地址（源地址）",
    ),
    centreAddress: Address.default('000000000000').describe(
      'the centre address (destination) / 监控中心地址（目的地址）',
    ),
    userVersion: z
      .number()
      .int()
      .min(0)
      .max(255)
      .default(0)
      .describe('user version byte of the protocol version / 用户版本号'),
    utcOffsetMin: z
      .number()
      .int()
      .min(-720)
      .max(840)
      .default(480)
      .describe('zone of the time labels, minutes east of UTC (480 = Beijing) / 时间标签时区'),
    confirmTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(10_000)
      .default(5000)
      .describe('wait this long for a confirm before resending (the standard allows at most 10 s) / 确认超时'),
    retries: z.number().int().min(0).max(10).default(3).describe('resends before the link counts as failed / 重发次数'),
    heartbeatS: z
      .number()
      .int()
      .min(0)
      .max(3600)
      .default(60)
      .describe('send an empty frame after this many idle seconds, 0 = never / 心跳间隔'),
    backoff: z
      .object({ minMs: z.number().int().min(10).default(500), maxMs: z.number().int().min(10).default(30_000) })
      .strict()
      .prefault({})
      .describe('reconnect delay, exponential with jitter / 重连退避'),
    downTroubleS: z
      .number()
      .int()
      .min(1)
      .max(86_400)
      .default(60)
      .describe(
        'raise a gateway trouble when the centre link has been down this long / 监控中心链路中断多久后报故障（秒）',
      ),
    systemType: z
      .number()
      .int()
      .min(0)
      .max(255)
      .default(1)
      .describe('system type of the nodes (1 = fire alarm system) / 系统类型'),
    systemAddress: z.number().int().min(0).max(255).default(1).describe('default system address / 默认系统地址'),
    smokeComponentType: z
      .number()
      .int()
      .min(0)
      .max(255)
      .default(42)
      .describe('component type of smoke channels (42 = point photoelectric smoke detector) / 感烟部件类型'),
    waterComponentType: z
      .number()
      .int()
      .min(0)
      .max(255)
      .default(128)
      .describe(
        'component type of water channels; the standard has none, 128-255 are user-defined / 水浸部件类型（自定义）',
      ),
    answerDutyCheck: z
      .boolean()
      .default(true)
      .describe('answer a duty check (查岗) with an operation record at once / 自动应答查岗'),
  })
  .strict()
  .refine((c) => c.backoff.maxMs >= c.backoff.minMs, { message: 'backoff.maxMs must be >= minMs', path: ['backoff'] });
export type Gbt26875Config = z.infer<typeof Gbt26875Config>;
