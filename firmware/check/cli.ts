import { readFileSync } from 'node:fs';
import { UsageError } from '../../errors/usage-error.ts';
import { checkSource } from './checker.ts';

/** `parkwatch firmware check FILE...`: prints file:line:column rule message per finding; 1 if any. */
export async function runCheck(args: string[]): Promise<number> {
  const files = args.filter((a) => !a.startsWith('-'));
  if (files.length === 0) throw new UsageError('请给出要检查的文件 / give the file(s) to check');
  let total = 0;
  for (const file of files) {
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch (err) {
      console.error(`${file}: 无法读取 / cannot read: ${(err as Error).message}`);
      total++;
      continue;
    }
    const findings = checkSource(source);
    for (const f of findings) console.log(`${file}:${f.line}:${f.column + 1}: ${f.rule}: ${f.message}`);
    total += findings.length;
    if (findings.length === 0) console.log(`${file}: OK — 只用 Espruino 支持的语法 / uses only what Espruino runs`);
  }
  if (total > 0) console.log(`${total} 处问题 / finding(s)`);
  return total > 0 ? 1 : 0;
}
