import { startParkwatch } from '../../cli/start.ts';
import { banner, option, serveUntilSignal } from '../../gateway/cli/gateway-command.ts';
import { loadFirmwareScript } from '../firmware-script.ts';
import { DemoPark } from './demo-park.ts';

/** `parkwatch sim demo [--config FILE]`: `parkwatch start` with a simulated park attached. */
export async function runDemo(args: string[]): Promise<number> {
  const park = new DemoPark(await loadFirmwareScript());
  return serveUntilSignal(
    startParkwatch({ configFile: option(args, '--config'), attach: [() => park.ingest] }).then((started) => {
      if (!started) return started;
      started.running.gateway.registry.upsert(park.registry(), Date.now());
      park.start();
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
