import { z } from 'zod';

/**
 * A trace: samples in time for one or more channels. Time is in seconds from the start of
 * the recording; values are in the channel's own unit. Between samples the value is
 * interpolated linearly (smoke and water move smoothly between two readings); before the
 * first and after the last sample the end value holds.
 */
export const TraceChannelSchema = z
  .object({
    name: z.string().min(1),
    unit: z.string(),
    t: z.array(z.number().finite()).min(1),
    v: z.array(z.number().finite()).min(1),
    /** true for switched signals (a contact, a wiring fault): the value holds until the next sample */
    step: z.boolean().optional(),
  })
  .superRefine((ch, ctx) => {
    if (ch.t.length !== ch.v.length) {
      ctx.addIssue({
        code: 'custom',
        message: `t has ${ch.t.length} samples but v has ${ch.v.length} / 时间与数值个数不同`,
        path: ['v'],
      });
    }
    for (let i = 1; i < ch.t.length; i++) {
      if ((ch.t[i] as number) < (ch.t[i - 1] as number)) {
        ctx.addIssue({
          code: 'custom',
          message: `time goes backwards at sample ${i} / 时间倒退`,
          path: ['t', i],
        });
        return;
      }
    }
  });
export type TraceChannel = z.infer<typeof TraceChannelSchema>;

export const TraceMarkSchema = z.object({ label: z.string(), t: z.number().finite() });
export type TraceMark = z.infer<typeof TraceMarkSchema>;

export const TraceSchema = z.object({
  /** where it came from, e.g. "NIST SDC02 Pho1A" or a file path */
  source: z.string(),
  channels: z.array(TraceChannelSchema).min(1),
  /** moments worth drawing: ignition, ground-truth activation, fault injection */
  marks: z.array(TraceMarkSchema).default([]),
});
export type Trace = z.infer<typeof TraceSchema>;

export function channelOf(trace: Trace, name: string): TraceChannel {
  const ch = trace.channels.find((c) => c.name === name);
  if (!ch) {
    const known = trace.channels.map((c) => c.name).join(', ');
    throw new Error(`trace "${trace.source}" has no channel "${name}" (it has: ${known}) / 轨迹中没有该通道`);
  }
  return ch;
}

/** Value of a channel at time `tS` (seconds), linear between samples, held at the ends. */
export function valueAt(ch: TraceChannel, tS: number): number {
  const { t, v } = ch;
  const n = t.length;
  if (tS <= (t[0] as number)) return v[0] as number;
  if (tS >= (t[n - 1] as number)) return v[n - 1] as number;
  const lo = sampleBefore(t, tS);
  const hi = lo + 1;
  const t0 = t[lo] as number;
  const t1 = t[hi] as number;
  const v0 = v[lo] as number;
  const v1 = v[hi] as number;
  if (ch.step || t1 === t0) return tS >= t1 ? v1 : v0;
  return v0 + ((v1 - v0) * (tS - t0)) / (t1 - t0);
}

/** Index of the last sample at or before tS (t must be sorted, tS inside its range). */
function sampleBefore(t: number[], tS: number): number {
  let lo = 0;
  let hi = t.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((t[mid] as number) <= tS) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Last sample time over all channels, in seconds. */
export function traceEnd(trace: Trace): number {
  let end = 0;
  for (const ch of trace.channels) end = Math.max(end, ch.t[ch.t.length - 1] as number);
  return end;
}
