import { createInterface } from 'node:readline';
import { UsageError } from '../../errors/usage-error.ts';
import { Role, UserStore, UserStoreError } from './users.ts';

/**
 * `parkwatch users ...`: panel accounts and kiosk tokens, written straight into the user store
 * in the gateway's data dir. Works while the gateway runs (the panel re-reads users on every
 * request), so removing a user logs them out at once.
 */
interface Parsed {
  words: string[];
  flags: Record<string, string>;
}

function parse(args: string[]): Parsed {
  const words: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith('--')) {
      const value = args[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${a} 需要一个值 / ${a} needs a value`);
      flags[a.slice(2)] = value;
      i++;
    } else words.push(a);
  }
  for (const k of Object.keys(flags)) {
    if (!['role', 'config', 'data', 'url'].includes(k)) throw new UsageError(`未知选项 / unknown option --${k}`);
  }
  return { words, flags };
}

async function dataDirOf(flags: Record<string, string>): Promise<string> {
  if (flags.data) return flags.data;
  if (flags.config) {
    const { loadConfig } = await import('../config/load.ts');
    return loadConfig(flags.config).dataDir;
  }
  return './var';
}

/** Reads the password: hidden prompt (twice) on a terminal, else the first line of stdin. */
async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    const rl = createInterface({ input: process.stdin });
    for await (const line of rl) {
      rl.close();
      return line;
    }
    throw new UsageError('标准输入没有密码 / no password on standard input');
  }
  const ask = (prompt: string) =>
    new Promise<string>((resolve) => {
      const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
      const output = rl as unknown as { _writeToOutput: (s: string) => void };
      rl.question(prompt, (answer) => {
        rl.close();
        process.stdout.write('\n');
        resolve(answer);
      });
      // hide what is typed after the prompt
      output._writeToOutput = (s: string) => {
        if (s.startsWith(prompt)) process.stdout.write(prompt);
      };
    });
  const first = await ask('密码 / password: ');
  const second = await ask('再输一次 / again: ');
  if (first !== second) throw new UserStoreError('两次输入的密码不同 / the two passwords differ');
  return first;
}

function need(words: string[], count: number): void {
  if (words.length !== count) throw new UsageError('参数个数不对 / wrong number of arguments');
}

export async function runUsers(args: string[]): Promise<number> {
  const { words, flags } = parse(args);
  const store = UserStore.openInDir(await dataDirOf(flags));
  try {
    const [verb, name] = words;
    if (verb === 'add') {
      need(words, 2);
      const role = Role.safeParse(flags.role ?? '');
      if (!role.success)
        throw new UsageError('--role 必须是 viewer、operator 或 admin / --role must be viewer, operator or admin');
      await store.add(name, role.data, await readPassword());
      console.log(`已添加用户 ${name}（${role.data}）/ added user ${name} (${role.data}) in ${store.file}`);
    } else if (verb === 'passwd') {
      need(words, 2);
      await store.setPassword(name, await readPassword());
      console.log(`已修改 ${name} 的密码 / changed the password of ${name}`);
    } else if (verb === 'remove') {
      need(words, 2);
      store.remove(name);
      console.log(`已删除用户 ${name} / removed user ${name}`);
    } else if (verb === 'list') {
      need(words, 1);
      for (const u of store.list()) console.log(`${u.name}\t${u.role}\t${new Date(u.createdAt).toISOString()}`);
    } else if (verb === 'kiosk') {
      return kiosk(store, words.slice(1), flags);
    } else throw new UsageError(`未知的子命令 / unknown sub-command: ${verb ?? '(none)'}`);
    return 0;
  } catch (err) {
    if (err instanceof UserStoreError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  } finally {
    store.close();
  }
}

function kiosk(store: UserStore, words: string[], flags: Record<string, string>): number {
  const [verb, label] = words;
  if (verb === 'add') {
    need(words, 2);
    if (label.length > 64) throw new UsageError('标签最多 64 个字符 / the label may have at most 64 characters');
    if (store.hasKiosk(label)) throw new UserStoreError(`大屏 ${label} 已存在 / kiosk ${label} already exists`);
    const token = store.addKioskToken(label);
    const base = (flags.url ?? 'http://GATEWAY:8080').replace(/\/$/, '');
    console.log('大屏只读链接（只显示这一次，请妥善保存）/ kiosk read-only URL (shown only now, keep it safe):');
    console.log(`${base}/panel/kiosk?token=${token}`);
  } else if (verb === 'list') {
    for (const k of store.listKiosks()) console.log(`${k.label}\t${new Date(k.createdAt).toISOString()}`);
  } else if (verb === 'remove') {
    need(words, 2);
    if (store.removeKiosk(label) === 0) throw new UserStoreError(`没有大屏 ${label} / no kiosk ${label}`);
    console.log(`已删除大屏 ${label}，其链接立即失效 / removed kiosk ${label}; its URL stops working now`);
  } else throw new UsageError(`未知的子命令 / unknown sub-command: kiosk ${verb ?? ''}`);
  return 0;
}
