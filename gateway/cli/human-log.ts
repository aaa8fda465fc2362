/**
 * The gateway's log for a person at a terminal: one short line per alarm, trouble and operator
 * action (time, what, where, which node), warnings marked, and the panel's one-time setup token
 * kept for the start banner instead of buried in a line. It is a pino destination: the gateway
 * logs JSON as always, this turns each line into text; `--log json` or a non-TTY keeps the JSON.
 */

/** Terminal columns a string takes: CJK and full-width characters take two. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s)
    w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch)
      ? 2
      : 1;
  return w;
}

/** Lines in a box drawn with box characters, padded to the widest line. */
export function boxed(lines: string[]): string {
  const width = Math.max(...lines.map(displayWidth));
  const pad = (s: string) => s + ' '.repeat(width - displayWidth(s));
  return [`┌${'─'.repeat(width + 2)}┐`, ...lines.map((l) => `│ ${pad(l)} │`), `└${'─'.repeat(width + 2)}┘`].join('\n');
}

const PRIORITY: Record<string, string> = { fire: '火警 FIRE', water: '水浸 WATER', trouble: '故障 TROUBLE' };
const LEVEL_MARK: Record<number, string> = { 40: '! ', 50: '!! ', 60: '!!! ' };
/** fields shown in their own columns, not repeated as key=value */
const SHOWN = new Set([
  'level',
  'time',
  'pid',
  'hostname',
  'gw',
  'msg',
  'id',
  'kind',
  'priority',
  'at',
  'node',
  'ch',
  'place',
  'by',
  'state',
  'trouble',
]);

function clock(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

export interface HumanLogOptions {
  write: (text: string) => void;
  /** ANSI colours: red for fire, yellow for trouble, blue for water */
  color: boolean;
}

export class HumanLog {
  /** the panel's one-time setup token, once the panel has logged it */
  setupToken: string | undefined;

  constructor(private options: HumanLogOptions) {}

  /** pino calls this with one JSON line at a time */
  write(line: string): void {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.options.write(line);
      return;
    }
    if (typeof entry.setupToken === 'string') {
      this.setupToken = entry.setupToken;
      return;
    }
    this.options.write(`${this.format(entry)}\n`);
  }

  format(e: Record<string, unknown>): string {
    const time = clock(typeof e.at === 'number' ? e.at : typeof e.time === 'number' ? e.time : Date.now());
    const mark = LEVEL_MARK[Number(e.level)] ?? '';
    const msg = String(e.msg ?? '');
    if (typeof e.kind === 'string' && typeof e.id === 'string') {
      // a journaled event: what, where, which node, who
      const what = [PRIORITY[String(e.priority)], msg].filter(Boolean).join(' ');
      const where = typeof e.place === 'string' ? e.place : '';
      const node = e.node ? `${e.node}${e.ch ? `/${e.ch}` : ''}` : '';
      const extra = [e.trouble ? String(e.trouble) : '', e.by ? `by ${e.by}` : ''].filter(Boolean).join(' ');
      return this.paint(String(e.priority), [time, what, where, node, extra].filter(Boolean).join('  '));
    }
    const rest = Object.entries(e)
      .filter(([k]) => !SHOWN.has(k))
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    return this.paint(mark ? 'trouble' : '', `${time}  ${mark}${msg}${rest ? `  ${rest}` : ''}`);
  }

  private paint(priority: string, text: string): string {
    if (!this.options.color) return text;
    const code = priority === 'fire' ? '1;31' : priority === 'water' ? '1;34' : priority === 'trouble' ? '33' : '';
    return code ? `\x1b[${code}m${text}\x1b[0m` : text;
  }
}

/** The banner's box with the panel's setup token (empty when there is none). */
export function setupTokenBox(token: string | undefined, panelUrl: string): string {
  if (!token) return '';
  return boxed([
    '面板还没有用户 / the panel has no user yet',
    `一次性设置令牌 / one-time setup token:  ${token}`,
    `在 ${panelUrl} 输入它创建管理员`,
    `enter it at ${panelUrl} to create the admin`,
  ]);
}
