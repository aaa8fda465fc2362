import { UsageError } from '../errors/usage-error.ts';
import type { Command } from './command.ts';
import { COMMANDS } from './commands.ts';

function help(): string {
  const lines = [
    'parkwatch — 工业园区烟感与水浸报警 / smoke and water-leak alarms for industrial parks',
    '',
    '用法 / usage:',
  ];
  for (const c of COMMANDS) lines.push('  ' + c.usage, '      ' + c.summary);
  lines.push('', '每个命令都支持 --help / every command takes --help');
  return lines.join('\n');
}

function find(argv: string[]): { command: Command; rest: string[] } | undefined {
  let best: Command | undefined;
  for (const c of COMMANDS) {
    const matches = c.words.every((w, i) => argv[i] === w);
    if (matches && (!best || c.words.length > best.words.length)) best = c;
  }
  return best && { command: best, rest: argv.slice(best.words.length) };
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    console.log(help());
    return 0;
  }
  const found = find(argv);
  if (!found) {
    console.error(`未知命令 / unknown command: ${argv.join(' ')}\n\n${help()}`);
    return 2;
  }
  if (found.rest.includes('--help') || found.rest.includes('-h')) {
    console.log(`${found.command.usage}\n  ${found.command.summary}`);
    return 0;
  }
  try {
    return await found.command.run(found.rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n用法 / usage: ${found.command.usage}`);
      return 2;
    }
    throw err;
  }
}
