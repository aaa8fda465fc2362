import type { Command } from './command.ts';

/**
 * Every command that exists. Each entry loads its module only when it runs, so
 * `parkwatch firmware check` does not load SQLite or MQTT.
 */
export const COMMANDS: Command[] = [
  {
    words: ['firmware', 'check'],
    usage: 'parkwatch firmware check FILE...',
    summary: '检查固件脚本是否只用 Espruino 支持的语法 / check a script uses only what Espruino runs',
    run: async (args) => (await import('../firmware/check/cli.ts')).runCheck(args),
  },
];
