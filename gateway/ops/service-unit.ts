import { dirname, join } from 'node:path';

/**
 * The systemd unit `parkwatch service install` writes: its own user, the file system read-only
 * but for the data folder, serial devices only when the config names ports, restarted always,
 * and a watchdog the gateway feeds (gateway/ops/sd-notify.ts). Pure: options in, text out.
 */
export interface UnitOptions {
  /** absolute path of node */
  node: string;
  /** absolute path of bin/parkwatch.js */
  entry: string;
  configFile: string;
  dataDir: string;
  user: string;
  /** the config names serial ports: allow tty devices and the dialout group */
  serial: boolean;
  watchdogS: number;
}

export const SERVICE_NAME = 'parkwatch.service';

export const DEFAULTS = {
  configFile: '/etc/parkwatch/gateway.yaml',
  dataDir: '/var/lib/parkwatch',
  user: 'parkwatch',
  watchdogS: 30,
};

export function unitText(o: UnitOptions): string {
  const serial = o.serial
    ? [
        '# serial nodes: USB and on-board UARTs (a class survives re-plugging; see the udev rule in docs/operations.md)',
        'SupplementaryGroups=dialout',
        'DeviceAllow=char-ttyUSB rw',
        'DeviceAllow=char-ttyACM rw',
        'DeviceAllow=char-ttyS rw',
      ]
    : ['PrivateDevices=true'];
  return `${[
    '# parkwatch park gateway — written by `parkwatch service install`; edit the config, not this file',
    '[Unit]',
    'Description=parkwatch park gateway (smoke and water-leak alarms)',
    `Documentation=file://${join(dirname(o.entry), '..', 'docs', 'operations.md')}`,
    'Wants=network-online.target time-sync.target',
    'After=network-online.target time-sync.target',
    '',
    '[Service]',
    // notify: started means listening; the notifier is a child process, hence NotifyAccess=all
    'Type=notify',
    'NotifyAccess=all',
    `ExecStart=${o.node} ${o.entry} gateway --config ${o.configFile}`,
    `User=${o.user}`,
    `Group=${o.user}`,
    `WorkingDirectory=${o.dataDir}`,
    // systemd creates the data folder owned by the user, mode 0700
    ...(o.dataDir === DEFAULTS.dataDir ? ['StateDirectory=parkwatch', 'StateDirectoryMode=0700'] : []),
    'Restart=always',
    'RestartSec=2',
    `WatchdogSec=${o.watchdogS}`,
    // SIGTERM commits what arrived and lets in-flight publishes finish
    'TimeoutStopSec=30',
    'Environment=NODE_ENV=production',
    'StandardOutput=journal',
    'StandardError=journal',
    'SyslogIdentifier=parkwatch',
    'UMask=0077',
    '# hardening: nothing writable but the data folder',
    'ProtectSystem=strict',
    `ReadWritePaths=${o.dataDir}`,
    'ProtectHome=true',
    'PrivateTmp=true',
    'NoNewPrivileges=true',
    'DevicePolicy=closed',
    ...serial,
    'CapabilityBoundingSet=',
    'AmbientCapabilities=',
    'ProtectClock=true',
    'ProtectHostname=true',
    'ProtectKernelTunables=true',
    'ProtectKernelModules=true',
    'ProtectKernelLogs=true',
    'ProtectControlGroups=true',
    'ProtectProc=invisible',
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK',
    'RestrictNamespaces=true',
    'RestrictRealtime=true',
    'RestrictSUIDSGID=true',
    'LockPersonality=true',
    'SystemCallArchitectures=native',
    '# no MemoryDenyWriteExecute: V8 compiles JavaScript to machine code at run time',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
  ].join('\n')}\n`;
}
