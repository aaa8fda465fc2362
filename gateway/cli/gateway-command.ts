import { resolve } from 'node:path';
import { UsageError } from '../../errors/usage-error.ts';
import { ConfigError, loadConfig, validateConfig } from '../config/load.ts';
import { configJsonSchema, type GatewayConfig } from '../config/schema.ts';
import { systemdNotifier } from '../ops/sd-notify.ts';
import { type RunningGateway, runGateway } from '../run.ts';
import { DatabaseOpenError } from '../store/database.ts';
import { setupTokenBox } from './human-log.ts';
import { logOutput } from './log-output.ts';

/**
 * `parkwatch gateway --config FILE` (the service) and `parkwatch start` (everything with
 * embedded defaults on a fresh clone). Both stop cleanly on SIGTERM / SIGINT.
 */
export function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value === undefined || value.startsWith('--')) throw new UsageError(`${name} 需要一个值 / ${name} needs a value`);
  return value;
}

export function readConfig(file: string | undefined, fallback: Record<string, unknown>): GatewayConfig | undefined {
  try {
    return file ? loadConfig(file) : validateConfig(fallback, '(defaults / 默认配置)');
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return undefined;
    }
    throw err;
  }
}

/**
 * Catches SIGTERM / SIGINT from the moment it is called, so a signal during start-up still
 * stops cleanly. `serve` resolves once started; the returned promise gives the exit status.
 */
export function serveUntilSignal(serve: Promise<{ stop: () => Promise<void> } | undefined>): Promise<number> {
  return new Promise((done) => {
    let signalled: NodeJS.Signals | undefined;
    const stopAfter = (running: { stop: () => Promise<void> }, signal: NodeJS.Signals) => {
      console.error(`收到 ${signal}，正在停止 / ${signal}: stopping`);
      running.stop().then(
        () => done(0),
        (err) => {
          console.error(`停止时出错 / error while stopping: ${(err as Error).message}`);
          done(1);
        },
      );
    };
    let running: { stop: () => Promise<void> } | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (signalled) return;
      signalled = signal;
      if (running) stopAfter(running, signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    serve.then(
      (r) => {
        if (!r) {
          done(2);
          return;
        }
        running = r;
        if (signalled) stopAfter(r, signalled);
      },
      (err) => {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        // a corrupt database is an operator's problem with a clear message; anything else gets its stack
        console.error(err instanceof DatabaseOpenError ? err.message : err);
        done(1);
      },
    );
  });
}

/** `setupToken`: shown boxed at the end, where a person at the terminal sees it (human log only). */
export function banner(running: RunningGateway, config: GatewayConfig, cloud: string, setupToken?: string): string {
  const g = running.gateway;
  const host = config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host;
  const lines = [
    `parkwatch 网关已启动 / gateway running: ${config.gatewayId} (园区 / park ${config.parkId})`,
    `  报警面板 / panel:          ${config.panel.enabled ? `http://${host}:${g.httpPort}/panel/` : '(disabled)'}`,
    `  指标 / metrics:            http://${host}:${g.httpPort}/metrics`,
    config.localBroker.mode === 'embedded'
      ? `  本地 MQTT / local broker:  mqtt://${config.localBroker.host}:${running.localBrokerPort || config.localBroker.port} (embedded)`
      : `  本地 MQTT / local broker:  ${config.localBroker.url} (external)`,
    `  云端 / cloud uplink:       ${cloud}`,
    ...config.serial.map((s) => `  串口 / serial:             ${s.path} @ ${s.baudRate}`),
    `  数据目录 / data folder:    ${resolve(config.dataDir)}`,
    `  已登记节点 / nodes:        ${g.registry.list().length} (parkwatch nodes add ...)`,
    ...g.failedStages().map(([stage, error]) => `  ！未能启动 / NOT RUNNING:   ${stage}: ${error}`),
  ];
  const box = setupTokenBox(setupToken, `http://${host}:${g.httpPort}/panel/`);
  return [...lines, ...(box ? [box] : [])].join('\n');
}

export async function runGatewayCommand(args: string[]): Promise<number> {
  if (args.includes('--schema')) {
    console.log(JSON.stringify(configJsonSchema(), null, 2));
    return 0;
  }
  const file = option(args, '--config');
  if (!file) throw new UsageError('需要 --config FILE / --config FILE is required');
  const config = readConfig(file, {});
  if (!config) return 2;
  const { logger, human } = logOutput(option(args, '--log'), config);
  const notifier = systemdNotifier();
  return serveUntilSignal(
    runGateway(config, { logger }).then(
      (running) => {
        const cloud = config.cloud.url ?? '(未配置，事件保留在发件箱 / none: events stay queued)';
        console.log(banner(running, config, cloud, human?.setupToken));
        if (!notifier) return running;
        notifier.ready();
        notifier.startWatchdog();
        return {
          stop: async () => {
            notifier.stopping();
            await running.stop();
            notifier.close();
          },
        };
      },
      (err) => {
        notifier?.close(); // its child must not keep a failed start alive
        throw err;
      },
    ),
  );
}
