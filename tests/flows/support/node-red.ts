import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../simulator/live/mosquitto.ts';

/**
 * A real Node-RED 4 runtime in a child process, running one flow file from flows/ with a temp
 * user directory and its own environment. `kill()` + `start()` is a crash and a restart on the
 * same user directory (context files, journal); `dispose()` removes the directory.
 * better-sqlite3 (the cloud-ingest forwarder's ledger) is in the user directory as Node-RED
 * would install it for a function node, linked to this repository's copy: no network here.
 */
export interface NodeRedOptions {
  /** a flow file path: copied into the user directory as flows.json */
  flowFile: string;
  env: Record<string, string>;
  /** keep context in files in the user directory (Node-RED's localfilesystem store) */
  fileContext?: boolean;
}

const MODULES = join(import.meta.dirname, '..', '..', '..', 'node_modules');
const RED_JS = join(MODULES, 'node-red', 'red.js');

export class NodeRedProcess {
  readonly userDir = mkdtempSync(join(tmpdir(), 'pw-nodered-'));
  private child: ChildProcess | null = null;
  private text = '';
  private port = 0;

  constructor(private options: NodeRedOptions) {
    copyFileSync(options.flowFile, join(this.userDir, 'flows.json'));
    const sqlite = join(MODULES, 'better-sqlite3');
    const { version } = JSON.parse(readFileSync(join(sqlite, 'package.json'), 'utf8')) as { version: string };
    writeFileSync(
      join(this.userDir, 'package.json'),
      JSON.stringify({ name: 'node-red-project', private: true, dependencies: { 'better-sqlite3': version } }),
    );
    mkdirSync(join(this.userDir, 'node_modules'));
    symlinkSync(sqlite, join(this.userDir, 'node_modules', 'better-sqlite3'));
  }

  /** everything the runtime logged since the first start */
  log(): string {
    return this.text;
  }

  /** Starts it and waits until the flows run and their MQTT brokers are connected. */
  async start(timeoutMs = 30_000): Promise<void> {
    this.port ||= await freePort();
    writeFileSync(join(this.userDir, 'settings.js'), this.settings());
    const from = this.text.length;
    const child = spawn(
      process.execPath,
      [RED_JS, '--userDir', this.userDir, '--settings', join(this.userDir, 'settings.js')],
      {
        env: { ...process.env, ...this.options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    const append = (chunk: Buffer) => {
      this.text += chunk.toString('utf8');
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    child.once('exit', () => {
      if (this.child === child) this.child = null;
    });
    await this.waitForLog(/Started flows/, timeoutMs, from);
    await this.waitForLog(/Connected to broker/, timeoutMs, from);
  }

  /** Waits for a log line matching `pattern` written after offset `from`; returns the offset after it. */
  async waitForLog(pattern: RegExp, timeoutMs = 10_000, from = 0): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rest = this.text.slice(from);
      const match = pattern.exec(rest);
      if (match) return from + match.index + match[0].length;
      if (!this.child) throw new Error(`Node-RED exited while waiting for ${pattern}:\n${this.text}`);
      if (Date.now() > deadline)
        throw new Error(`Node-RED did not log ${pattern} within ${timeoutMs} ms:\n${this.text}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * A full deploy of the running flows through the admin API, as the editor's "Deploy" does after
   * an import: every node is stopped and started again. Resolves once the flows run again.
   */
  async redeploy(timeoutMs = 15_000): Promise<void> {
    const base = `http://127.0.0.1:${this.port}`;
    const flows = await (await fetch(`${base}/flows`, { headers: { 'Node-RED-API-Version': 'v2' } })).json();
    const from = this.text.length;
    const answer = await fetch(`${base}/flows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify(flows),
    });
    if (!answer.ok) throw new Error(`deploy refused: HTTP ${answer.status} ${await answer.text()}`);
    await this.waitForLog(/Started flows/, timeoutMs, from);
    await this.waitForLog(/Connected to broker/, timeoutMs, from);
  }

  /** A node's context through the admin API, each value parsed: `{ key: value }`. */
  async nodeContext(nodeId: string): Promise<Record<string, unknown>> {
    const answer = await fetch(`http://127.0.0.1:${this.port}/context/node/${nodeId}`);
    if (!answer.ok) throw new Error(`context of ${nodeId}: HTTP ${answer.status} ${await answer.text()}`);
    const stores = (await answer.json()) as Record<string, Record<string, { msg: string }>>;
    const values: Record<string, unknown> = {};
    for (const store of Object.values(stores))
      for (const [key, value] of Object.entries(store)) values[key] = JSON.parse(value.msg);
    return values;
  }

  /** SIGKILL: a crash, nothing flushed */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.userDir, { recursive: true, force: true });
  }

  private settings(): string {
    const settings = {
      flowFile: 'flows.json',
      credentialSecret: 'parkwatch-test-secret',
      uiHost: '127.0.0.1',
      uiPort: this.port,
      disableEditor: true,
      httpNodeRoot: false,
      functionExternalModules: true,
      externalModules: { autoInstall: false },
      logging: { console: { level: 'info', metrics: false, audit: false } },
      contextStorage: this.options.fileContext
        ? { default: { module: 'localfilesystem', config: { flushInterval: 1 } } }
        : undefined,
    };
    return `module.exports = ${JSON.stringify(settings, null, 2)};\n`;
  }
}
