import { createInterface } from 'node:readline';
import { UsageError } from '../../errors/usage-error.ts';
import { mqttPassword } from '../../protocol/mqtt-auth.ts';
import { loadConfig } from '../config/load.ts';
import { openDatabase } from '../store/database.ts';
import { NodeRegistry } from '../store/registry.ts';
import { nodeSha256 } from '../wire/node-sha256.ts';
import { hashConsumerPassword } from './consumer-credentials.ts';

/**
 * `parkwatch mqtt hash-password`: a scrypt hash for a read-only consumer of the embedded broker
 * (localBroker.consumers[].passwordHash). The password comes from standard input, never from
 * the command line, so it stays out of the shell history.
 *
 * `parkwatch mqtt node-passwords`: "node:password" lines for every registered node, for an
 * external broker's password file (`mosquitto_passwd -U FILE` hashes them in place).
 */

export async function runMqttCommand(args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  if (verb === 'hash-password') {
    if (rest.length > 0) throw new UsageError('密码从标准输入读取 / the password is read from standard input');
    const password = await firstLine();
    if (password.length < 8) {
      console.error('密码至少 8 个字符 / the password needs at least 8 characters');
      return 1;
    }
    console.log(await hashConsumerPassword(password));
    return 0;
  }
  if (verb === 'node-passwords') {
    const dataDir = dataDirOf(rest);
    const db = openDatabase(dataDir);
    try {
      const nodes = new NodeRegistry(db).list();
      if (nodes.length === 0) console.error(`${dataDir} 中没有登记的节点 / no nodes registered in ${dataDir}`);
      for (const node of nodes) console.log(`${node.id}:${mqttPassword(nodeSha256, node.keyHex)}`);
    } finally {
      db.close();
    }
    return 0;
  }
  throw new UsageError(`未知的子命令 / unknown sub-command: ${verb ?? '(none)'}`);
}

function dataDirOf(args: string[]): string {
  if (args.length === 0) return './var';
  if (args.length === 2 && args[0] === '--config') return loadConfig(args[1]).dataDir;
  if (args.length === 2 && args[0] === '--data') return args[1];
  throw new UsageError('用 --config FILE 或 --data DIR / use --config FILE or --data DIR');
}

async function firstLine(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('密码（回显）/ password (echoed): ');
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  throw new UsageError('标准输入没有密码 / no password on standard input');
}
