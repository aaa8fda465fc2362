import { option } from '../cli/gateway-command.ts';
import { systemClockSync } from './clock-sync.ts';
import {
  checkClock,
  checkCloud,
  checkConfig,
  checkDatabase,
  checkDataDir,
  checkDisk,
  checkLocalBroker,
  checkPanelUsers,
  checkSerial,
  type DoctorDeps,
  type Finding,
  probeMqtt,
  type Status,
} from './doctor-checks.ts';

/**
 * `parkwatch doctor [--config FILE]`: every check in the order to fix things, one line each,
 * exit status by the worst finding (0 ok, 1 warn, 2 fail). Safe while the gateway runs: it
 * only reads (the database through a read-only connection) and logs in with its own client ids.
 */
export const EXIT: Record<Status, number> = { ok: 0, warn: 1, fail: 2 };

export async function diagnose(configFile: string | undefined, deps: DoctorDeps): Promise<Finding[]> {
  const { finding, config } = checkConfig(configFile);
  if (!config) return [finding];
  return [
    finding,
    checkDataDir(config.dataDir),
    checkDisk(config.dataDir, config.outbox.quotaBytes),
    checkDatabase(config.dataDir),
    await checkClock(deps.clock),
    ...checkSerial(config),
    await checkLocalBroker(config, deps),
    await checkCloud(config, deps),
    checkPanelUsers(config),
  ];
}

export function format(f: Finding): string {
  const mark = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' }[f.status];
  return `${mark} ${f.check.padEnd(13)} ${f.detail}${f.todo ? `\n     ${''.padEnd(13)} → ${f.todo}` : ''}`;
}

export async function runDoctorCommand(args: string[]): Promise<number> {
  const findings = await diagnose(option(args, '--config'), { clock: systemClockSync(), probeMqtt });
  for (const f of findings) console.log(format(f));
  return Math.max(...findings.map((f) => EXIT[f.status]));
}
