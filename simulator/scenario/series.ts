import type { SimNode } from '../node/sim-node.ts';
import type { VirtualClock } from '../virtual-clock.ts';
import type { ChannelSeries } from './timeline.ts';

/** at most this many plotted samples per channel */
const MAX_SAMPLES = 1500;

/** Samples every channel's signal on the clock for the report (both modes). */
export function recordSeries(durationS: number, clock: VirtualClock, nodes: Iterable<SimNode>): ChannelSeries[] {
  const everyMs = Math.max(1000, Math.ceil((durationS * 1000) / MAX_SAMPLES / 1000) * 1000);
  const series: { s: ChannelSeries; node: SimNode }[] = [];
  for (const node of nodes) {
    for (const c of node.config.channels) {
      const analog = c.kind === 'analog';
      series.push({
        node,
        s: {
          node: node.id,
          ch: c.name,
          unit: analog ? 'units' : 'active',
          t: [],
          v: [],
          pre: analog ? c.pre : 1,
          alarm: analog ? c.alarm : 1,
          marks: node.marks(c.name),
        },
      });
    }
  }
  const sample = () => {
    for (const { s, node } of series) {
      s.t.push(clock.now() / 1000);
      s.v.push(node.unitsAt(s.ch, clock.now()));
    }
  };
  sample();
  clock.setInterval(sample, everyMs);
  return series.map((x) => x.s);
}
