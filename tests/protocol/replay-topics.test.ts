import { describe, expect, it } from 'vitest';
import {
  acceptReplay,
  checkReplay,
  cloudEvent,
  emptyReplayState,
  eventId,
  eventTime,
  gatewayNodeState,
  isEventKind,
  nodeDown,
  nodeOfTopic,
  nodeUp,
  parseEventId,
  REPLAY_WINDOW,
  type ReplayState,
} from '../../protocol/index.ts';

function feed(state: ReplayState, boot: number, seq: number) {
  const verdict = checkReplay(state, boot, seq);
  return { verdict, state: verdict === 'fresh' ? acceptReplay(state, boot, seq) : state };
}

describe('replay window', () => {
  it('accepts rising sequences and refuses a replayed one as duplicate', () => {
    let s = emptyReplayState();
    for (const seq of [1, 2, 3]) s = feed(s, 1, seq).state;
    expect(checkReplay(s, 1, 2)).toBe('duplicate');
    expect(checkReplay(s, 1, 4)).toBe('fresh');
  });

  it('accepts a late re-send inside the window once, refuses it after', () => {
    let s = emptyReplayState();
    s = feed(s, 1, 1).state;
    s = feed(s, 1, 5).state;
    const late = feed(s, 1, 3);
    expect(late.verdict).toBe('fresh');
    expect(feed(late.state, 1, 3).verdict).toBe('duplicate');
    expect(checkReplay(late.state, 1, 4)).toBe('fresh');
  });

  it('refuses older boots and sequences that left the window; a new boot starts over', () => {
    let s = emptyReplayState();
    s = feed(s, 2, 100).state;
    expect(checkReplay(s, 1, 500)).toBe('old_boot');
    expect(checkReplay(s, 2, 100 - REPLAY_WINDOW)).toBe('too_old');
    s = feed(s, 3, 1).state;
    expect(s).toEqual({ boot: 3, high: 1, mask: 1 });
    expect(checkReplay(s, 2, 101)).toBe('old_boot');
  });

  it('keeps the mask a 32-bit unsigned value across large jumps', () => {
    let s = emptyReplayState();
    for (let seq = 1; seq <= 40; seq++) s = feed(s, 1, seq).state;
    expect(s.mask).toBe(0xffffffff);
    s = feed(s, 1, 1000).state;
    expect(s.mask).toBe(1);
    expect(checkReplay(s, 1, 999)).toBe('fresh');
  });
});

describe('topics and identity', () => {
  it('builds and parses node topics', () => {
    expect(nodeUp('n1')).toBe('pw/v1/node/n1/up');
    expect(nodeDown('n1')).toBe('pw/v1/node/n1/down');
    expect(nodeOfTopic('pw/v1/node/n1/up', 'up')).toBe('n1');
    expect(nodeOfTopic('pw/v1/node/n1/down', 'up')).toBeUndefined();
    expect(nodeOfTopic('pw/v1/node/a/b/up', 'up')).toBeUndefined();
  });

  it('builds gateway and cloud topics', () => {
    expect(gatewayNodeState('gw1', 'n1')).toBe('pw/v1/gw/gw1/node/n1/state');
    expect(cloudEvent('p1', 'gw1', 'alarm')).toBe('pw/v1/park/p1/gw/gw1/event/alarm');
  });

  it('event ids and event time', () => {
    expect(eventId('gw1', 9007199254740993n)).toBe('gw1:9007199254740993');
    expect(eventTime(10_000, 1_500)).toBe(8_500);
    expect(eventTime(10_000, -5)).toBe(10_000);
    expect(isEventKind('alarm')).toBe(true);
    expect(isEventKind('heartbeat')).toBe(false);
  });

  it('reads an event id back into gateway and sequence, and nothing else', () => {
    expect(parseEventId(eventId('gw-1', 42))).toEqual({ gw: 'gw-1', seq: 42 });
    for (const bad of ['gw1', 'gw1:', ':5', 'gw1:0', 'gw1:-3', 'gw1:1.5', 'gw1:x', 'g w:1', 'gw1:5:6'])
      expect(parseEventId(bad), bad).toBeUndefined();
  });
});
