import type { Logger } from 'pino';
import type { GatewayConfig } from './config/schema.ts';
import { Gateway, type GatewayOptions } from './gateway.ts';
import { localMqttTransport, serialTransport } from './ingest/transports.ts';
import { systemClockSync } from './ops/clock-sync.ts';
import type { IngestFactory } from './ports.ts';

/** An unplugged adapter is retried quickly at first: installers replug within seconds. */
const SERIAL_REOPEN = { minMs: 250, maxMs: 10_000 };

export interface RunOptions {
  extraIngest?: IngestFactory[];
  logger?: Logger;
  /** mount the local panel (default true when config.panel.enabled is not false) */
  panel?: boolean;
}

export interface RunningGateway {
  gateway: Gateway;
  /** the local broker's TCP port when embedded */
  localBrokerPort: number | undefined;
  stop(): Promise<void>;
}

/**
 * Builds a gateway with the real transports the config names (embedded or external local
 * broker, serial ports) and the panel, and starts it. `extraIngest` is where the simulator
 * attaches simulated nodes (a DirectIngest, see gateway/direct-ingest.ts).
 */
export async function runGateway(config: GatewayConfig, options: RunOptions = {}): Promise<RunningGateway> {
  const c = config;
  const local = localMqttTransport(c.localBroker, { gw: c.gatewayId, park: c.parkId }, c.cloud.backoff);
  const ingest: IngestFactory[] = [local.factory];
  if (c.serial.length > 0) ingest.push(serialTransport(c.serial, SERIAL_REOPEN));
  ingest.push(...(options.extraIngest ?? []));
  const gatewayOptions: GatewayOptions = {
    ingest,
    localPublisher: local.publisher,
    logger: options.logger,
    clock: { sync: systemClockSync() },
  };
  if (options.panel !== false && c.panel.enabled) gatewayOptions.http = mountPanel;
  const gateway = new Gateway(config, gatewayOptions);
  await gateway.start();
  return {
    gateway,
    get localBrokerPort() {
      return local.port();
    },
    stop: () => gateway.stop(),
  };
}

/** Mounts the local alarm panel (gateway/panel/panel.ts); loaded only when enabled. */
async function mountPanel(gateway: Gateway) {
  const { PanelOptions } = await import('./panel/backend.ts');
  const { createPanel } = await import('./panel/panel.ts');
  const parsed = PanelOptions.safeParse(gateway.config.panel);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `配置 panel.${issue.path.join('.')} 无效 / invalid panel.${issue.path.join('.')}: ${issue.message}`,
    );
  }
  const mounted = createPanel(gateway.panel, {
    dataDir: gateway.config.dataDir,
    options: parsed.data,
    tls: false,
    log: gateway.logger,
  });
  return { handler: mounted.handle, close: () => mounted.close() };
}
