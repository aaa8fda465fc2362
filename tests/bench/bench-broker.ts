import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, MosquittoProcess } from '../../simulator/live/mosquitto.ts';

/**
 * A Mosquitto process for the benchmark with a config we write in full (persistence mode and
 * bridge settings are the thing being measured, so startMosquitto's fixed `autosave_interval 1`
 * does not fit). stop = SIGTERM (saves), kill = SIGKILL (a crash).
 */
export type BenchBroker = MosquittoProcess;

export const BenchBroker = {
  /** `config` receives the broker's own folder and returns the rest of mosquitto.conf. */
  async create(name: string, config: (dir: string) => string): Promise<BenchBroker> {
    const dir = mkdtempSync(join(tmpdir(), `pw-bench-${name}-`));
    const port = await freePort();
    const lines = [
      process.getuid?.() === 0 ? 'user root' : '',
      'per_listener_settings false',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      // every broker in the bench (cloud and bridge edge alike) sends at once, as one tuned for alarms would
      'set_tcp_nodelay true',
      config(dir),
    ];
    writeFileSync(join(dir, 'mosquitto.conf'), lines.filter((l) => l !== '').join('\n') + '\n');
    return MosquittoProcess.launch(dir, port, undefined, 10_000);
  },
};
