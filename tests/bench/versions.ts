import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';

/** The versions a run measured, printed with the figures so they can be compared across machines. */
export function versions(): string {
  // read the files directly: some packages (aedes) do not export their package.json
  const pkg = (name: string): string => {
    try {
      const file = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
      return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
    } catch {
      return 'not installed';
    }
  };
  let mosquitto = 'not found';
  try {
    const out = execFileSync('/usr/sbin/mosquitto', ['-h'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    mosquitto = /version (\S+)/.exec(out)?.[1] ?? mosquitto;
  } catch (err) {
    // `mosquitto -h` exits with status 3 after printing its usage
    const out = (err as { stdout?: string }).stdout ?? '';
    mosquitto = /version (\S+)/.exec(out)?.[1] ?? mosquitto;
  }
  const db = new Database(':memory:');
  const sqlite = (db.prepare('select sqlite_version() as v').get() as { v: string }).v;
  db.close();
  return [
    `node ${process.version}`,
    `mosquitto ${mosquitto}`,
    `mqtt ${pkg('mqtt')}`,
    `aedes ${pkg('aedes')}`,
    `better-sqlite3 ${pkg('better-sqlite3')}`,
    `sqlite ${sqlite}`,
  ].join(', ');
}
