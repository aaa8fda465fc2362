import { describe, expect, it } from 'vitest';
import { applyEvent, canClose, type Incident, responseFigures } from '../../gateway/incidents/incident.ts';
import { timelineOf } from '../../gateway/incidents/timeline.ts';
import { DecidedEvent } from '../../gateway/wire/events.ts';

/** The incident decisions as plain functions: events in, incident out, no I/O. */
let seq = 0;
const T0 = 1_764_700_000_000;

function ev(fields: Partial<DecidedEvent> & Pick<DecidedEvent, 'kind' | 'priority'>, at: number): DecidedEvent {
  seq++;
  return DecidedEvent.parse({
    id: `gw1:${seq}`,
    seq,
    gw: 'gw1',
    park: 'park1',
    at,
    receivedAt: at + 40,
    node: 'n1',
    ch: 'smoke',
    placement: { enterprise: 'ent-a', site: 's', zone: 'z', location: 'l' },
    data: {},
    ...fields,
  });
}

function run(events: DecidedEvent[]): { incident: Incident | undefined; steps: string[] } {
  let incident: Incident | undefined;
  const steps: string[] = [];
  for (const e of events) {
    const applied = applyEvent(incident, e);
    if (!applied) continue;
    incident = applied.incident;
    steps.push(applied.step);
  }
  return { incident, steps };
}

function fire(): DecidedEvent[] {
  const pre = ev({ kind: 'prealarm', priority: 'fire', data: { v: 300 } }, T0);
  const ref = pre.id;
  const alarm = (state: DecidedEvent['alarm']) => ({ ...state, ref }) as DecidedEvent['alarm'];
  pre.alarm = { state: 'active', since: T0, ref };
  return [
    pre,
    ev(
      { kind: 'alarm', priority: 'fire', data: { v: 900 }, alarm: alarm({ state: 'active', since: T0 + 8000, ref }) },
      T0 + 8000,
    ),
    ev({ kind: 'telemetry', priority: 'telemetry', data: { v: 950 } }, T0 + 9000),
    ev(
      {
        kind: 'silence',
        priority: 'fire',
        data: { by: '王工', s: 60 },
        alarm: alarm({ state: 'active', since: T0, ref }),
      },
      T0 + 20_000,
    ),
    ev(
      {
        kind: 'acknowledge',
        priority: 'fire',
        data: { by: '王工', ref },
        alarm: alarm({ state: 'acknowledged', since: T0 + 38_000, by: '王工', ref }),
      },
      T0 + 38_000,
    ),
    ev({ kind: 'note', priority: 'info', data: { by: '王工', note: '灭火器扑灭', alarmRef: ref } }, T0 + 60_000),
    ev(
      { kind: 'clear', priority: 'fire', data: { v: 80 }, alarm: alarm({ state: 'closed', since: T0 + 128_000, ref }) },
      T0 + 128_000,
    ),
  ];
}

describe('incident decisions', () => {
  it('files a fire from its pre-alarm to its end, with response figures', () => {
    const { incident, steps } = run(fire());
    expect(steps).toEqual(['prealarm', 'alarm', 'silence', 'acknowledge', 'note', 'clear']);
    expect(incident).toMatchObject({
      priority: 'fire',
      state: 'ended',
      prealarmAt: T0,
      alarmAt: T0 + 8000,
      alarmReceivedAt: T0 + 8040,
      acknowledgedBy: '王工',
      endedAt: T0 + 128_000,
      events: 6,
    });
    expect(responseFigures(incident as Incident)).toEqual({ alarmToAcknowledgeMs: 30_000, alarmToClearMs: 120_000 });
    expect(canClose(incident)).toBeNull();
  });

  it('closes only an ended incident, once, with a cause from the list', () => {
    const events = fire();
    const ref = events[0].id;
    const open = run(events.slice(0, 2)).incident;
    expect(canClose(open)).toBe('still_open');
    expect(canClose(undefined)).toBe('unknown_incident');
    const close = (cause: string) =>
      ev({ kind: 'note', priority: 'info', data: { by: 'ops', alarmRef: ref, cause, note: '厨房' } }, T0 + 200_000);
    const closed = run([...events, close('false_cooking'), close('real_fire')]).incident as Incident;
    expect(closed).toMatchObject({ state: 'closed', cause: 'false_cooking', closedBy: 'ops', closingNote: '厨房' });
    expect(canClose(closed)).toBe('already_closed');
    // a note after closing still belongs to the file
    const after = ev(
      { kind: 'note', priority: 'info', data: { by: 'ops', note: '补充', alarmRef: ref } },
      T0 + 300_000,
    );
    expect(applyEvent(closed, after)?.step).toBe('note');
    // an unknown cause is only a note
    expect(run([...events, close('arson?')]).incident?.state).toBe('ended');
  });

  it('ignores troubles, telemetry, and events of alarms it never saw open', () => {
    const trouble = ev({ kind: 'trouble', priority: 'trouble', trouble: 'dirty', data: { code: 'dirty' } }, T0);
    trouble.alarm = { state: 'active', since: T0, ref: trouble.id };
    expect(applyEvent(undefined, trouble)).toBeNull();
    const strayClear = ev(
      { kind: 'clear', priority: 'water', alarm: { state: 'cleared', since: T0, ref: 'gw1:1' } },
      T0,
    );
    expect(applyEvent(undefined, strayClear)).toBeNull();
    const water = ev(
      { kind: 'alarm', priority: 'water', ch: 'water', data: { src: 'water' }, drill: { id: 1, scenario: 'water' } },
      T0,
    );
    water.alarm = { state: 'active', since: T0, ref: water.id };
    expect(applyEvent(undefined, water)?.incident).toMatchObject({ priority: 'water', drill: true, prealarmAt: null });
  });

  it('lays out the timeline: node step, gateway receipt, stored, forwarded, operator steps', () => {
    const events = fire().filter((e) => e.kind !== 'telemetry');
    const steps = run(events).steps as never[];
    const t = timelineOf(
      events.map((event, i) => ({
        event,
        step: steps[i],
        storedAt: event.receivedAt + 5,
        forwardedAt: i === 1 ? event.receivedAt + 90 : null,
      })),
    );
    expect(t.filter((s) => s.seq === events[1].seq).map((s) => s.step)).toEqual([
      'node_alarm',
      'gateway_receipt',
      'stored',
      'forwarded',
    ]);
    expect(t.find((s) => s.step === 'acknowledge')).toMatchObject({ by: '王工', at: T0 + 38_000 });
    expect(t.map((s) => s.at)).toEqual([...t.map((s) => s.at)].sort((a, b) => a - b));
  });
});
