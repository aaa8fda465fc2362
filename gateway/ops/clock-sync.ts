import { execFile } from 'node:child_process';

/**
 * Whether this machine's clock is synchronised. Records for the insurer carry the gateway's
 * time, so an unsynchronised clock is a trouble (at run time) and a doctor finding. Behind an
 * interface so tests can feed any answer.
 */
export type ClockState = 'synced' | 'unsynced' | 'unknown';

export interface ClockSync {
  /** what the system says, and which tool said it (for the operator) */
  check(): Promise<{ state: ClockState; via: string }>;
}

type Run = (file: string, args: string[]) => Promise<string | undefined>;

/**
 * stdout, or undefined when the tool is missing or fails (no systemd as PID 1, no chronyd).
 * Without NOTIFY_SOCKET: systemd's tools report their own failure there ("ERRNO=112"), and
 * under NotifyAccess=all that would be read as the gateway's.
 */
const run: Run = (file, args) =>
  new Promise((resolve) => {
    const { NOTIFY_SOCKET: _, ...env } = process.env;
    execFile(file, args, { timeout: 5000, env: { ...env, LC_ALL: 'C' } }, (err, stdout) =>
      resolve(err ? undefined : stdout),
    );
  });

/** systemd-timesyncd (or any NTP client systemd sees) through timedatectl, else chrony's tracking report. */
export function systemClockSync(exec: Run = run): ClockSync {
  return {
    async check() {
      const ntp = await exec('timedatectl', ['show', '-p', 'NTPSynchronized', '--value']);
      if (ntp?.trim() === 'yes') return { state: 'synced', via: 'timedatectl' };
      const chrony = await exec('chronyc', ['tracking']);
      const leap = chrony && /^Leap status\s*:\s*(.+)$/m.exec(chrony)?.[1].trim();
      if (leap) return { state: leap === 'Not synchronised' ? 'unsynced' : 'synced', via: 'chronyc' };
      if (ntp?.trim() === 'no') return { state: 'unsynced', via: 'timedatectl' };
      return { state: 'unknown', via: 'timedatectl, chronyc' };
    },
  };
}
