import { join } from 'node:path';
import type { Logger } from 'pino';
import { banner, option, readConfig, serveUntilSignal } from '../gateway/cli/gateway-command.ts';
import type { HumanLog } from '../gateway/cli/human-log.ts';
import { logOutput } from '../gateway/cli/log-output.ts';
import { CloudStandIn } from '../gateway/cloud-standin.ts';
import { validateConfig } from '../gateway/config/load.ts';
import type { IngestFactory } from '../gateway/ports.ts';
import { type RunningGateway, runGateway } from '../gateway/run.ts';

/**
 * `parkwatch start` / `npm start`: the gateway with its embedded local broker, SQLite under
 * ./var, and a second embedded broker standing in for the cloud unless one is configured.
 * `startParkwatch` is also the simulator's way in: pass `attach` to bring simulated nodes.
 */
export interface StartOptions {
  /** config file; absent: embedded defaults, data under ./var */
  configFile?: string;
  /** attach simulated nodes (e.g. a DirectIngest the simulator drives) */
  attach?: IngestFactory[];
  /** 'human' or 'json' (`--log`); absent: the gateway's own JSON logger (the simulator's way in) */
  logFormat?: string;
}

export interface Started {
  running: RunningGateway;
  cloudUrl: string;
  /** the terminal log, when lines are for a person: it holds the panel's setup token for the banner */
  human?: HumanLog;
  stop(): Promise<void>;
}

/**
 * Starts the gateway with a stand-in cloud broker when none is configured. The simulator calls
 * this with `attach` to bring its nodes; `parkwatch start` calls it from the command line.
 */
export async function startParkwatch(options: StartOptions = {}): Promise<Started | undefined> {
  const base = readConfig(options.configFile, { dataDir: './var' });
  if (!base) return undefined;
  let standIn: CloudStandIn | undefined;
  let config = base;
  if (!base.cloud.url) {
    standIn = new CloudStandIn();
    const url = await standIn.start();
    config = validateConfig({ ...base, cloud: { ...base.cloud, url } }, options.configFile ?? '(defaults)');
  }
  const output: { logger?: Logger; human?: HumanLog } = options.logFormat ? logOutput(options.logFormat, config) : {};
  const running = await runGateway(config, { extraIngest: options.attach, logger: output.logger });
  return {
    running,
    human: output.human,
    cloudUrl: `${config.cloud.url}${standIn ? ' (本地替身 / local stand-in)' : ''}`,
    stop: async () => {
      await running.stop();
      await standIn?.stop();
    },
  };
}

/**
 * `parkwatch start [--config FILE] [--no-sim]`: the embedded defaults plus a small simulated park
 * (nodes running the compiled firmware; one replays a NIST fire about a minute after start), so a
 * fresh clone shows a living panel. `--no-sim` runs the gateway alone.
 */
export async function runStartCommand(args: string[]): Promise<number> {
  const configFile = option(args, '--config');
  const logFormat = option(args, '--log') ?? (process.stdout.isTTY ? 'human' : 'json');
  const show = (s: Started) =>
    console.log(banner(s.running, s.running.gateway.config, s.cloudUrl, s.human?.setupToken));
  if (args.includes('--no-sim')) {
    return serveUntilSignal(
      startParkwatch({ configFile, logFormat }).then((started) => {
        if (started) show(started);
        return started;
      }),
    );
  }
  const { DemoPark } = await import('../simulator/park/demo-park.ts');
  const { loadFirmwareScript } = await import('../simulator/firmware-script.ts');
  const park = new DemoPark(await loadFirmwareScript());
  return serveUntilSignal(
    startParkwatch({ configFile, logFormat, attach: [() => park.ingest] }).then((started) => {
      if (!started) return started;
      started.running.gateway.registry.upsert(park.registry(), Date.now());
      // the simulated nodes' flash lives beside the gateway's database, so a restart keeps both
      park.start(join(started.running.gateway.config.dataDir, 'sim-nodes'));
      show(started);
      console.log(park.describe().join('\n'));
      return {
        stop: async () => {
          park.stop();
          await started.stop();
        },
      };
    }),
  );
}
