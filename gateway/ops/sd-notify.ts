import { type ChildProcess, spawn } from 'node:child_process';

/**
 * systemd's notify protocol (sd_notify(3)): "READY=1" once listening, "WATCHDOG=1" at half the
 * WatchdogSec the service manager passes in WATCHDOG_USEC, "STOPPING=1" on SIGTERM. The messages
 * are datagrams on the unix socket NOTIFY_SOCKET names; Node has no unix datagram sockets, so
 * one long-lived `socat` child sends them (Type=notify with NotifyAccess=all). Long-lived on
 * purpose: systemd finds a message's unit by the sender's PID, and a `systemd-notify` per
 * message may exit before systemd looks (systemd-notify(1) warns of this race).
 * Each line written becomes a datagram; if two ever coalesce, newline-separated assignments
 * are still one valid notify message.
 */
export interface Notifier {
  ready(): void;
  stopping(): void;
  /** pings WATCHDOG=1 from the event loop: a stuck loop stops the pings and systemd restarts us */
  startWatchdog(): void;
  close(): void;
}

export function systemdNotifier(env: NodeJS.ProcessEnv = process.env, socat = 'socat'): Notifier | undefined {
  const socket = env.NOTIFY_SOCKET;
  if (!socket) return undefined;
  // "@name" is Linux's abstract namespace
  const address = socket.startsWith('@') ? `ABSTRACT-SENDTO:${socket.slice(1)}` : `UNIX-SENDTO:${socket}`;
  const child: ChildProcess = spawn(socat, ['-u', 'STDIN', address], { stdio: ['pipe', 'ignore', 'inherit'] });
  child.on('error', (err) => console.error(`sd_notify: ${socat}: ${err.message}`));
  child.stdin?.on('error', () => {}); // socat gone: systemd's watchdog will notice, nothing to do here
  const send = (line: string) => child.stdin?.write(`${line}\n`);
  const usec = Number(env.WATCHDOG_USEC);
  const watchdogPid = env.WATCHDOG_PID ? Number(env.WATCHDOG_PID) : process.pid;
  let timer: NodeJS.Timeout | undefined;
  return {
    ready: () => send('READY=1'),
    stopping: () => send('STOPPING=1'),
    startWatchdog() {
      if (!(usec > 0) || watchdogPid !== process.pid) return;
      timer = setInterval(() => send('WATCHDOG=1'), Math.max(1, Math.floor(usec / 2000)));
      timer.unref();
    },
    close() {
      if (timer) clearInterval(timer);
      child.stdin?.end();
    },
  };
}
