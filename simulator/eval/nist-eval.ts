import { existsSync } from 'node:fs';
import type { FirmwareScript } from '../firmware-script.ts';
import { loadNistDir, type NistColumn } from '../traces/nist.ts';
import { channelOf, traceEnd, valueAt } from '../traces/trace.ts';
import { EVAL_KEY, firstOf, observeNode } from './observe-node.ts';

/**
 * Scores the firmware's DEFAULT smoke channel on every NIST analog alarm column that has a
 * ground-truth activation time: the column's smoke (see traces/nist.ts) drives a node whose
 * config gives nothing but the channel's name, so every detection setting is the firmware's
 * default. The node boots at the start of the recording (clean air) and runs to its end.
 */
export interface NistRow {
  test: string;
  column: string;
  alarm: string;
  kind: string;
  ignitionS: number;
  activationS: number;
  /** our alarm's event time, s; null when the node never alarmed */
  alarmS: number | null;
  prealarmS: number | null;
  /** alarmS - activationS: negative = earlier than the commercial alarm */
  lagS: number | null;
  /** an alarm before ignition: a false alarm */
  beforeIgnition: boolean;
  /** why the column could not be run, or a firmware error */
  note: string;
}

export function evaluateNist(dir: string, fw: FirmwareScript): NistRow[] {
  if (!existsSync(dir)) return [];
  const rows: NistRow[] = [];
  for (const test of loadNistDir(dir)) {
    for (const col of test.columns) {
      if (col.activationS === null || col.kind === 'smoke-meter') continue;
      rows.push(evaluateColumn(col, col.activationS, fw));
    }
  }
  return rows;
}

function evaluateColumn(col: NistColumn, activationS: number, fw: FirmwareScript): NistRow {
  const base = {
    test: col.test,
    column: col.column,
    alarm: col.alarm,
    kind: col.kind,
    ignitionS: col.ignitionS,
    activationS,
  };
  if (!col.usable) {
    return {
      ...base,
      alarmS: null,
      prealarmS: null,
      lagS: null,
      beforeIgnition: false,
      note: col.reason ?? 'unusable',
    };
  }
  const run = observeNode({
    fw,
    config: {
      id: 'eval',
      key: EVAL_KEY,
      link: { kind: 'serial' },
      channels: [{ name: 'smoke', kind: 'analog' }],
    },
    inputs: { smoke: { value: channelOf(col.trace, 'smoke'), trace: col.trace, atS: 0, perUnit: 1000 } },
    durationMs: traceEnd(col.trace) * 1000,
  });
  const alarm = firstOf(run.messages, 'alarm', 'smoke');
  const pre = firstOf(run.messages, 'prealarm', 'smoke');
  const alarmS = alarm ? alarm.atMs / 1000 : null;
  return {
    ...base,
    alarmS,
    prealarmS: pre ? pre.atMs / 1000 : null,
    lagS: alarmS === null ? null : alarmS - activationS,
    beforeIgnition: alarmS !== null && alarmS < col.ignitionS,
    note: [...run.errors.map((e) => e.message), silentAtActivation(col, activationS)]
      .filter((n) => n !== '')
      .join('; '),
  };
}

/**
 * When the column's recorded output had not left its clean-air noise by the commercial alarm's
 * activation, nothing fed by that output could have alarmed then: the alarm went off on something
 * the log does not show. Said in the table so a lag there is not read as the detector's.
 */
function silentAtActivation(col: NistColumn, activationS: number): string {
  const raw = channelOf(col.trace, 'raw');
  let noise = 0;
  raw.t.forEach((t, i) => {
    if (t < col.ignitionS) noise = Math.max(noise, Math.abs((raw.v[i] as number) - col.cleanAir));
  });
  const atActivation = valueAt(raw, activationS);
  if (Math.abs(atActivation - col.cleanAir) > noise) return '';
  return `记录的输出在报警时仍为洁净空气水平 / logged output still at clean air at activation (${fmt(atActivation)}, clean air ${fmt(col.cleanAir)} ± ${fmt(noise)})`;
}

const fmt = (v: number) => String(Number(v.toPrecision(4)));
