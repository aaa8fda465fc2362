import { userInfo } from 'node:os';
import { UsageError } from '../../errors/usage-error.ts';
import { HazardBook, HazardError, HazardState } from '../hazards/hazard-book.ts';
import { CAUSE_TEXT } from '../hazards/hazard-rules.ts';
import { openDatabase } from '../store/database.ts';
import { option } from './gateway-command.ts';
import { dataDir } from './nodes-command.ts';

/**
 * `parkwatch hazards list | update`: hazards to closure. A running gateway stores each change
 * as a `hazard` event within its maintenance period (10 s), so the chained log keeps the history.
 */
const USAGE =
  'parkwatch hazards list [--enterprise E] [--state open|rectifying|closed] [--overdue] [--json] | update ID --state rectifying|closed [--note TEXT] [--by NAME]  [--config FILE | --data DIR]';

export async function runHazardsCommand(args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  if (verb !== 'list' && verb !== 'update') throw new UsageError(`用法 / usage: ${USAGE}`);
  const db = openDatabase(dataDir(rest));
  try {
    const book = new HazardBook(db);
    return verb === 'list' ? list(book, rest) : update(book, rest);
  } catch (err) {
    if (err instanceof HazardError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  } finally {
    db.close();
  }
}

function stateOption(args: string[]): HazardState | undefined {
  const text = option(args, '--state');
  if (text === undefined) return undefined;
  const parsed = HazardState.safeParse(text);
  if (!parsed.success)
    throw new UsageError('--state 只能是 open、rectifying 或 closed / --state must be open, rectifying or closed');
  return parsed.data;
}

function list(book: HazardBook, args: string[]): number {
  const hazards = book.list({
    enterprise: option(args, '--enterprise'),
    state: stateOption(args),
    overdue: args.includes('--overdue'),
  });
  if (args.includes('--json')) {
    console.log(JSON.stringify(hazards, null, 2));
    return 0;
  }
  for (const h of hazards)
    console.log(
      `#${h.id}  ${h.state.padEnd(10)} ${h.severity.padEnd(6)} ${h.enterprise}  ${h.node ?? '-'}  ${CAUSE_TEXT[h.cause]}` +
        `  期限 / deadline ${new Date(h.deadline).toISOString()}${h.overdueAt !== null && h.state !== 'closed' ? '  已逾期 / OVERDUE' : ''}` +
        (h.note ? `  — ${h.note}` : ''),
    );
  if (hazards.length === 0) console.log('没有隐患 / no hazards');
  return 0;
}

function update(book: HazardBook, args: string[]): number {
  const id = Number(args[0]);
  const state = stateOption(args);
  if (!Number.isInteger(id) || id <= 0 || !state) throw new UsageError(`用法 / usage: ${USAGE}`);
  const parsed = {
    state,
    note: option(args, '--note') ?? '',
    by: option(args, '--by') ?? `cli:${userInfo().username}`,
  };
  if (state === 'closed' && parsed.note.trim() === '')
    throw new UsageError('关闭隐患须用 --note 写明整改情况 / closing a hazard needs --note saying what was done');
  const h = book.update(id, parsed, Date.now());
  console.log(`隐患 #${h.id} -> ${h.state} / hazard #${h.id} is now ${h.state}`);
  return 0;
}
