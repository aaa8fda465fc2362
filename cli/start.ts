import { join } from 'node:path';
import { banner, option, readConfig, serveUntilSignal } from '../gateway/cli/gateway-command.ts';
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
}

export interface Started {
  running: RunningGateway;
  cloudUrl: string;
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
  const running = await runGateway(config, { extraIngest: options.attach });
  return {
    running,
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
  if (args.includes('--no-sim')) {
    return serveUntilSignal(
      startParkwatch({ configFile }).then((started) => {
        if (started) console.log(banner(started.running, started.running.gateway.config, started.cloudUrl));
        return started;
      }),
    );
  }
  const { DemoPark } = await import('../simulator/park/demo-park.ts');
  const { loadFirmwareScript } = await import('../simulator/firmware-script.ts');
  const park = new DemoPark(await loadFirmwareScript());
  return serveUntilSignal(
    startParkwatch({ configFile, attach: [() => park.ingest] }).then((started) => {
      if (!started) return started;
      started.running.gateway.registry.upsert(park.registry(), Date.now());
      // the simulated nodes' flash lives beside the gateway's database, so a restart keeps both
      park.start(join(started.running.gateway.config.dataDir, 'sim-nodes'));
      console.log(banner(started.running, started.running.gateway.config, started.cloudUrl));
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
