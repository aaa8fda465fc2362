/**
 * Function node "drop duplicates, keep": accepts each decided event once, by its id, and
 * appends it to the journal. The ids seen last (PW_INGEST_DEDUP_SIZE, default 100000) are kept
 * in this node's context: that survives a redeploy, and with a file context store a restart;
 * when the context is empty (memory store after a restart) they are read back from the
 * journal's newest lines. Alarms and troubles are synced to disk before the next message;
 * telemetry is only appended (a power cut may lose its last lines).
 * Output: a trigger for the forwarder.
 */
import type * as Fs from 'node:fs';
import type * as Path from 'node:path';
import type { ContextStore, EnvAccess, NodeApi, NodeMessage, NodeOutput } from '../node-red.ts';
import { readEvent } from '../shared/decided-event.ts';
import { journalFiles, journalName } from '../shared/journal.ts';

/** ids in arrival order (oldest first) and the same ids as keys, for a quick look-up */
interface Seen {
  order: string[];
  has: Record<string, 1>;
}

interface Counters {
  accepted: number;
  duplicates: number;
  invalid: number;
  writeErrors: number;
}

/** how far back into the journal a cold start looks for seen ids */
const REBUILD_BYTES = 64 * 1024 * 1024;

export function onStart(node: NodeApi, context: ContextStore, env: EnvAccess, fs: typeof Fs, path: typeof Path): void {
  const dir = env.get('PW_INGEST_DIR');
  if (!dir) {
    node.error('PW_INGEST_DIR 未设置 / PW_INGEST_DIR is not set: name the folder for the event journal');
    node.status({ fill: 'red', shape: 'ring', text: '配置错误 / config error' });
    return;
  }
  try {
    fs.mkdirSync(dir, { recursive: true });
    repairTornTail(fs, path, dir, node);
    if (!context.get('seen')) context.set('seen', rebuildSeen(fs, path, dir, dedupSize(env)));
    const seen = context.get('seen') as Seen;
    node.status({ fill: 'green', shape: 'dot', text: seen.order.length + ' 已知 / known ids' });
  } catch (err) {
    node.error('日志目录不可用 / journal folder unusable: ' + dir + ': ' + (err as Error).message);
    node.status({ fill: 'red', shape: 'ring', text: '日志目录错误 / journal error' });
  }
}

export function onMessage(
  msg: NodeMessage,
  node: NodeApi,
  context: ContextStore,
  env: EnvAccess,
  fs: typeof Fs,
  path: typeof Path,
): NodeOutput {
  const dir = env.get('PW_INGEST_DIR');
  const seen = context.get('seen') as Seen | undefined;
  if (!dir || !seen) return null; // reported at start
  const counters = (context.get('counters') as Counters | undefined) ?? {
    accepted: 0,
    duplicates: 0,
    invalid: 0,
    writeErrors: 0,
  };
  const event = readEvent(msg.payload);
  let out: NodeOutput = null;
  if (typeof event === 'string') {
    counters.invalid++;
    node.warn('无效事件已忽略 / invalid event ignored (' + String(msg.topic) + '): ' + event);
  } else if (seen.has[event.id]) {
    counters.duplicates++;
  } else {
    const now = Date.now();
    const file = path.join(dir, journalName(now));
    const line = JSON.stringify({ ingestedAt: now, topic: msg.topic, event }) + '\n';
    try {
      const fd = fs.openSync(file, 'a');
      try {
        fs.writeSync(fd, line);
        if (event.priority !== 'telemetry') fs.fdatasyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      remember(seen, event.id, dedupSize(env));
      context.set('seen', seen);
      counters.accepted++;
      out = { topic: 'journaled', payload: event.id };
    } catch (err) {
      counters.writeErrors++;
      node.error(
        '事件无法写入日志 / cannot write the event to the journal: ' +
          file +
          ': ' +
          (err as Error).message +
          ' (检查磁盘空间和权限 / check disk space and permissions); event ' +
          event.id,
        msg,
      );
    }
  }
  context.set('counters', counters);
  node.status({
    fill: counters.writeErrors > 0 ? 'red' : 'green',
    shape: 'dot',
    text:
      counters.accepted +
      ' 收 / kept, ' +
      counters.duplicates +
      ' 重复 / duplicates, ' +
      counters.invalid +
      ' 无效 / invalid',
  });
  return out;
}

function remember(seen: Seen, id: string, size: number): void {
  seen.order.push(id);
  seen.has[id] = 1;
  if (seen.order.length > size) {
    for (const old of seen.order.splice(0, seen.order.length - size)) delete seen.has[old];
  }
}

function dedupSize(env: EnvAccess): number {
  const value = Number(env.get('PW_INGEST_DEDUP_SIZE') || 100000);
  return Number.isInteger(value) && value > 0 ? value : 100000;
}

/** A crash in the middle of a write leaves half a line: end it, so it is one bad line, skipped and counted. */
function repairTornTail(fs: typeof Fs, path: typeof Path, dir: string, node: NodeApi): void {
  const files = journalFiles(fs, dir);
  if (files.length === 0) return;
  const file = path.join(dir, files[files.length - 1]);
  const size = fs.statSync(file).size;
  if (size === 0) return;
  const last = Buffer.alloc(1);
  const fd = fs.openSync(file, 'r+');
  try {
    fs.readSync(fd, last, 0, 1, size - 1);
    if (last[0] !== 10) {
      fs.writeSync(fd, '\n', size);
      node.warn('日志末行不完整，已结束该行 / the journal ended in a partial line, now closed off: ' + file);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** The ids of the newest journal lines, oldest first. */
function rebuildSeen(fs: typeof Fs, path: typeof Path, dir: string, size: number): Seen {
  const ids: string[] = [];
  let budget = REBUILD_BYTES;
  const files = journalFiles(fs, dir).reverse();
  for (const name of files) {
    if (ids.length >= size || budget <= 0) break;
    const file = path.join(dir, name);
    const length = fs.statSync(file).size;
    const start = Math.max(0, length - budget);
    budget -= length - start;
    const buffer = Buffer.alloc(length - start);
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, buffer, 0, buffer.length, start);
    } finally {
      fs.closeSync(fd);
    }
    const lines = buffer.toString('utf8').split('\n');
    if (start > 0) lines.shift(); // began mid-line
    for (let i = lines.length - 1; i >= 0 && ids.length < size; i--) {
      try {
        ids.push((JSON.parse(lines[i]) as { event: { id: string } }).event.id);
      } catch {
        // blank or torn line
      }
    }
  }
  ids.reverse();
  const seen: Seen = { order: [], has: {} };
  for (const id of ids) remember(seen, id, size);
  return seen;
}
