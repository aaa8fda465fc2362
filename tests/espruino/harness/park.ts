import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { validateConfig } from '../../../gateway/config/load.ts';
import { type RunningGateway, runGateway } from '../../../gateway/run.ts';
import type { DecidedEvent, NodeState } from '../../../gateway/wire/events.ts';
import { freePort } from '../../support/mosquitto.ts';

/**
 * The real gateway, in this process, as `parkwatch gateway` builds it: the embedded broker
 * (aedes) on a free port, serial ports when named, SQLite in a temp folder. The test sees what
 * it decided and stored (the bus's committed events) and each node's state (from heartbeats).
 * `stop()` and `start()` again keep the data folder and the broker port (a gateway restart).
 */
export interface Park {
  readonly brokerPort: number;
  readonly dir: string;
  readonly events: DecidedEvent[];
  readonly states: NodeState[];
  running: RunningGateway | undefined;
  /** registers a node with its key (hex) and channels */
  register(id: string, keyHex: string, channels: string[]): void;
  /** the first stored event from index `from` on that passes `match` */
  waitEvent(
    match: (e: DecidedEvent) => boolean,
    what: string,
    from?: number,
    timeoutMs?: number,
  ): Promise<DecidedEvent>;
  waitState(match: (s: NodeState) => boolean, what: string, timeoutMs?: number): Promise<NodeState>;
  start(): Promise<void>;
  stop(): Promise<void>;
  dispose(): Promise<void>;
}

/** A read-only consumer of the embedded broker (as Node-RED), to see what the gateway forwards. */
export const CONSUMER = { username: 'nodered', password: 'nodered-pass' };

export async function startPark(options: { serial?: string[] } = {}): Promise<Park> {
  const dir = mkdtempSync(join(tmpdir(), 'pw-espruino-park-'));
  const brokerPort = await freePort();
  const events: DecidedEvent[] = [];
  const states: NodeState[] = [];
  const config = validateConfig(
    {
      dataDir: dir,
      http: { host: '127.0.0.1', port: 0 },
      localBroker: { mode: 'embedded', host: '127.0.0.1', port: brokerPort, consumers: [CONSUMER] },
      serial: (options.serial ?? []).map((path) => ({ path, baudRate: 115200 })),
      panel: { enabled: false },
      log: { level: 'silent' },
    },
    'espruino test',
  );
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  const until = <T>(find: () => T | undefined, what: string, timeoutMs: number): Promise<T> =>
    new Promise((resolve, reject) => {
      const look = () => {
        const found = find();
        if (found === undefined) return;
        waiters.delete(look);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(look);
        const seen = events.map((e) => `${e.kind}/${e.ch}`).join(' ');
        reject(new Error(`gateway: no ${what} within ${timeoutMs} ms; stored: ${seen}`));
      }, timeoutMs);
      waiters.add(look);
      look();
    });
  const park: Park = {
    brokerPort,
    dir,
    events,
    states,
    running: undefined,
    register(id, keyHex, channels) {
      park.running?.gateway.registry.upsert([{ id, keyHex, channels, zone: 'Z1' }], Date.now());
    },
    waitEvent: (match, what, from = 0, timeoutMs = 30_000) =>
      until(() => events.slice(from).find(match), what, timeoutMs),
    waitState: (match, what, timeoutMs = 30_000) => until(() => [...states].reverse().find(match), what, timeoutMs),
    async start() {
      const running = await runGateway(config, { logger: pino({ level: 'silent' }), panel: false });
      running.gateway.bus.on('committed', (batch) => {
        events.push(...batch);
        wake();
      });
      running.gateway.bus.on('nodeState', (s) => {
        states.push(s);
        wake();
      });
      park.running = running;
    },
    async stop() {
      const running = park.running;
      park.running = undefined;
      await running?.stop();
    },
    async dispose() {
      await park.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await park.start();
  return park;
}
