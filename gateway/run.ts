import type { Logger } from 'pino';
import type { GatewayConfig } from './config/schema.ts';
import { Gateway, type GatewayOptions } from './gateway.ts';
import { EmbeddedMqttIngest } from './ingest/embedded-broker.ts';
import { ExternalMqttIngest } from './ingest/external-broker.ts';
import { SerialIngest } from './ingest/serial-ingest.ts';
import { MqttLocalPublisher } from './local/local-publisher.ts';
import type { IngestFactory, LocalPublisher } from './ports.ts';
import type { GatewayState } from './wire/events.ts';

/**
 * Builds a gateway with the real transports the config names (embedded or external local
 * broker, serial ports) and the panel, and starts it. `extraIngest` is where the simulator
 * attaches simulated nodes (a DirectIngest, see gateway/direct-ingest.ts).
 */
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

export async function runGateway(config: GatewayConfig, options: RunOptions = {}): Promise<RunningGateway> {
  const c = config;
  let embedded: EmbeddedMqttIngest | undefined;
  const external = c.localBroker.mode === 'external' ? new MqttLocalPublisher({ gw: c.gatewayId }) : undefined;
  // The embedded broker makes its own publisher when its ingest is built; forward to it, and keep
  // the gateway's retained state until then (the state is published before ingest starts).
  let lastGatewayState: GatewayState | undefined;
  const publisher: LocalPublisher = external ?? {
    publishEvents: (events) => embedded?.publisher.publishEvents(events),
    publishNodeState: (state) => embedded?.publisher.publishNodeState(state),
    publishGatewayState: (state) => {
      lastGatewayState = state;
      embedded?.publisher.publishGatewayState(state);
    },
  };
  const ingest: IngestFactory[] = [];
  const broker = c.localBroker;
  if (broker.mode === 'embedded') {
    ingest.push((ctx) => {
      embedded = new EmbeddedMqttIngest({
        host: broker.host,
        port: broker.port,
        consumers: broker.consumers,
        gw: c.gatewayId,
        ctx,
      });
      if (lastGatewayState) embedded.publisher.publishGatewayState(lastGatewayState);
      return embedded;
    });
  } else {
    ingest.push(
      (ctx) =>
        new ExternalMqttIngest({
          url: broker.url,
          username: broker.username,
          password: broker.password,
          gw: c.gatewayId,
          park: c.parkId,
          backoff: c.cloud.backoff,
          publisher: external,
          ctx,
        }),
    );
  }
  if (c.serial.length > 0) ingest.push((ctx) => new SerialIngest({ ports: c.serial, backoff: SERIAL_REOPEN, ctx }));
  ingest.push(...(options.extraIngest ?? []));

  const gatewayOptions: GatewayOptions = { ingest, localPublisher: publisher, logger: options.logger };
  if (options.panel !== false && c.panel.enabled) gatewayOptions.http = mountPanel;
  const gateway = new Gateway(config, gatewayOptions);
  await gateway.start();
  return {
    gateway,
    get localBrokerPort() {
      return embedded?.port;
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
