import type { Expectation } from './schema.ts';
import type { Timeline } from './timeline.ts';

export interface ExpectationResult {
  label: string;
  ok: boolean;
  detail: string;
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function describeExpectation(e: Expectation): string {
  switch (e.expect) {
    case 'message':
      return `${e.kind}${e.code ? `(${e.code})` : ''} from ${e.node}${e.channel ? `/${e.channel}` : ''} within ${e.withinS} s of ${e.afterS} s`;
    case 'no_alarm':
      return `no alarm${e.node ? ` from ${e.node}` : ''} between ${e.fromS} s and ${e.toS} s`;
    case 'offline':
      return `${e.node} reported offline within ${e.withinS} s of ${e.afterS} s`;
    case 'all_delivered':
      return 'every event on the wire accepted by the gateway';
    case 'cloud_exactly_once':
      return 'every decided event reached the cloud, once per id';
  }
}

export function checkExpectation(e: Expectation, tl: Timeline): ExpectationResult {
  const label = describeExpectation(e);
  const result = (ok: boolean, detail: string) => ({ label, ok, detail });
  switch (e.expect) {
    case 'message': {
      const from = e.afterS * 1000;
      const to = from + e.withinS * 1000;
      const matching = tl.entries.filter(
        (x) =>
          x.source === 'node' &&
          x.node === e.node &&
          x.kind === e.kind &&
          (e.channel === undefined || x.ch === e.channel) &&
          (e.code === undefined || x.code === e.code),
      );
      const hit = matching.find((x) => x.tMs >= from && x.tMs <= to);
      if (hit) return result(true, `at ${s(hit.tMs)} (${s(hit.tMs - from)} after ${e.afterS} s)`);
      const other = matching[0];
      return result(false, other ? `first one at ${s(other.tMs)}, outside the window` : 'never arrived');
    }
    case 'no_alarm': {
      const bad = tl.entries.find(
        (x) =>
          x.kind === 'alarm' &&
          (e.node === undefined || x.node === e.node) &&
          x.atMs >= e.fromS * 1000 &&
          x.atMs <= e.toS * 1000,
      );
      return bad ? result(false, `alarm from ${bad.node}/${bad.ch} at ${s(bad.atMs)}`) : result(true, 'none');
    }
    case 'offline': {
      const from = e.afterS * 1000;
      const hit = tl.entries.find(
        (x) =>
          x.source === 'gateway' && x.code === 'offline' && x.node === e.node && x.kind === 'trouble' && x.tMs >= from,
      );
      if (!hit) return result(false, 'never reported offline');
      const late = hit.tMs - from;
      return result(late <= e.withinS * 1000, `offline at ${s(hit.tMs)} (${s(late)} after ${e.afterS} s)`);
    }
    case 'all_delivered': {
      const accepted = new Set(tl.entries.map((x) => x.key).filter((k) => k !== undefined));
      const missing = [...tl.wireEvents].filter(([k]) => !accepted.has(k));
      if (missing.length > 0) {
        const list = missing.slice(0, 5).map(([k, kind]) => `${k} ${kind}`);
        return result(false, `${missing.length} of ${tl.wireEvents.size} never accepted: ${list.join(', ')}`);
      }
      return result(true, `${tl.wireEvents.size} events, all accepted`);
    }
    case 'cloud_exactly_once': {
      if (!tl.cloud || !tl.decided) return result(false, 'no cloud record (live mode only)');
      const missing = [...tl.decided].filter((id) => !tl.cloud?.has(id));
      const extra = [...tl.cloud].filter(([, n]) => n > 1).length;
      const ok = missing.length === 0;
      return result(
        ok,
        `${tl.decided.size} decided, ${missing.length} missing in the cloud${missing.length ? ` (${missing.slice(0, 5).join(', ')})` : ''}, ${extra} delivered more than once (same id: dropped downstream)`,
      );
    }
  }
}
