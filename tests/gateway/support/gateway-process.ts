import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';

/** The gateway as a real child process: `node bin/parkwatch.js gateway --config FILE`. */
export interface GatewayProcess {
  child: ChildProcess;
  output(): string;
  /** resolves with the exit code (or signal name) */
  exited: Promise<number | string>;
}

const ROOT = join(import.meta.dirname, '..', '..', '..');

export function writeConfig(dir: string, config: Record<string, unknown>): string {
  const file = join(dir, 'gateway.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

export function spawnGateway(configFile: string, args: string[] = []): GatewayProcess {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin', 'parkwatch.js'), 'gateway', '--config', configFile, ...args],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let text = '';
  child.stdout?.on('data', (c) => {
    text = (text + c).slice(-65536);
  });
  child.stderr?.on('data', (c) => {
    text = (text + c).slice(-65536);
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return { child, output: () => text, exited };
}

export async function waitForPort(port: number, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ port, host: '127.0.0.1' });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`port ${port} did not open`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
