// HTML for each view. Every value from the gateway goes through esc().
import { channelLabel, channelState, formatReading } from './channels.js';
import { readingsChart } from './chart.js';
import { formatNumber, formatSince, formatTime, t } from './i18n.js';

export function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function place(p) {
  if (!p) return '—';
  return esc([p.enterprise, p.site, p.zone, p.location].filter(Boolean).join(' · '));
}

/** Battery and signal: the node sends 0 before it has measured (no monitor yet, serial link), not a reading. */
function measured(value, unit) {
  return value ? `${esc(formatNumber(value, 0))} ${unit}` : '—';
}

function nodeChannel(node, ch) {
  return `<a href="#/node/${esc(node ?? '')}">${esc(node ?? '—')}</a>${ch ? ` / ${esc(channelLabel(ch))}` : ''}`;
}

/** An exercise is never mistaken for a fire: every drill event and condition carries this. */
export function drillTag(e) {
  return e && e.drill ? ` <span class="tag drill">${esc(t('drill'))} #${esc(e.drill.id)}</span>` : '';
}

function conditionTitle(c) {
  if (c.kind === 'trouble') return `${t('priority.trouble')}：${t(`trouble.${c.trouble}`)}`;
  return `${t(`priority.${c.priority}`)} ${t(`kind.${c.kind}`)}`;
}

function actionButtons(c, canAct) {
  if (!canAct) return '';
  const b = (action, label) =>
    `<button data-action="${action}" data-ref="${esc(c.ref)}" data-event="${esc(c.last.id)}">${esc(t(label))}</button>`;
  return (
    '<div class="actions">' +
    (c.state === 'active' ? b('acknowledge', 'acknowledge') : '') +
    (c.kind !== 'trouble' && c.node ? b('silence', 'silence') : '') +
    (c.latched ? b('reset', 'reset') : '') +
    b('note', 'note') +
    '</div>'
  );
}

function conditionNotes(notes) {
  if (!notes || notes.length === 0) return '';
  return `<ul class="notes">${notes
    .map((n) => `<li><span class="muted">${esc(formatTime(n.at))} ${esc(n.by)}：</span>${esc(n.note)}</li>`)
    .join('')}</ul>`;
}

export function alarmsView(overview, canAct) {
  if (overview.conditions.length === 0) return `<p class="all-clear">${esc(t('noAlarms'))}</p>`;
  const rows = overview.conditions.map((c) => {
    const cls = ['condition', `p-${c.priority}`, `s-${c.state}`, c.state === 'active' ? 'flash' : ''].join(' ');
    const hushed = c.hushedUntil ? ` · ${esc(t('hushedUntil'))} ${esc(formatTime(c.hushedUntil))}` : '';
    const by = c.acknowledgedBy ? ` · ${esc(t('by'))} ${esc(c.acknowledgedBy)}` : '';
    return (
      `<li class="${cls}" data-ref="${esc(c.ref)}">` +
      `<div class="what"><strong>${esc(conditionTitle(c))}</strong> <span class="state">${esc(t(`state.${c.state}`))}</span>` +
      (c.latched ? ` <span class="tag">${esc(t('latched'))}</span>` : '') +
      drillTag(c.last) +
      '</div>' +
      `<div class="where">${place(c.placement)}</div>` +
      `<div class="meta">${nodeChannel(c.node, c.ch)}` +
      ` · ${esc(t('since'))} ${esc(formatTime(c.since))} (${esc(formatSince(c.since, overview.now))})${by}${hushed}</div>` +
      conditionNotes(c.notes) +
      actionButtons(c, canAct) +
      '</li>'
    );
  });
  return `<ul class="conditions">${rows.join('')}</ul>`;
}

/** Table cells that carry their column's name: on a phone each row becomes a card of labelled lines. */
function cells(head, html) {
  return html.map((h, i) => `<td${head[i] ? ` data-label="${esc(t(head[i]))}"` : ''}>${h}</td>`).join('');
}

function table(cls, head, rowsHtml, bodyId) {
  return (
    `<div class="scroll"><table class="reflow ${cls}"><thead><tr>${head.map((h) => `<th>${h ? esc(t(h)) : ''}</th>`).join('')}</tr></thead>` +
    `<tbody${bodyId ? ` id="${bodyId}"` : ''}>${rowsHtml}</tbody></table></div>`
  );
}

const NODE_HEAD = ['node', 'place', 'state', 'lastSeen', 'battery', 'signal', 'firmware', 'troubles'];

export function nodesView(nodes) {
  const rows = nodes.map(
    (n) =>
      `<tr class="${n.online ? '' : 'offline'}">` +
      cells(NODE_HEAD, [
        `<a href="#/node/${esc(n.node)}">${esc(n.node)}</a>`,
        place(n.placement),
        esc(n.online ? t('online') : t('trouble.offline')),
        esc(formatTime(n.lastSeen)),
        measured(n.battery, 'mV'),
        measured(n.rssi, 'dBm'),
        esc(n.fw ?? '—'),
        esc(n.troubles.map((c) => t(`trouble.${c}`)).join(', ') || '—'),
      ]) +
      '</tr>',
  );
  return table('nodes', NODE_HEAD, rows.join(''));
}

/** "All" leaves out readings: a park's telemetry would bury the events people look for. */
export const ALL_BUT_READINGS =
  'hello,prealarm,alarm,clear,trouble,trouble_clear,test,hush,ack,acknowledge,silence,reset,note,test_request,hazard';

const GROUPS = {
  alarm: 'prealarm,alarm,clear',
  trouble: 'trouble,trouble_clear,hazard',
  operator: 'acknowledge,silence,reset,note,test_request',
  test: 'test,test_request',
  readings: 'telemetry',
};

function options(id, values) {
  return `<datalist id="${id}">${[...new Set(values)]
    .filter(Boolean)
    .sort()
    .map((v) => `<option value="${esc(v)}">`)
    .join('')}</datalist>`;
}

/** `nodes` give the enterprises and zones offered while typing; a viewer gets no export. */
export function historyForm(filters, nodes, canExport) {
  const opt = (value, label) =>
    `<option value="${esc(value)}"${filters.kinds === value ? ' selected' : ''}>${esc(label)}</option>`;
  const field = (name, type, value) =>
    `<label>${esc(t(name))} <input name="${name}" type="${type}" value="${esc(value ?? '')}" list="list-${name}"></label>`;
  // not datetime-local: the browser would write it in its own locale's order (mm/dd/yyyy in en-US)
  const when = (name, value) =>
    `<label>${esc(t(name))} <input name="${name}" value="${esc(value ?? '')}" placeholder="2026-01-31 08:00" ` +
    'pattern="\\d{4}-\\d{2}-\\d{2}( \\d{2}:\\d{2})?" size="16"></label>';
  const places = nodes.map((n) => n.placement).filter(Boolean);
  return (
    '<form class="filters" id="history-form">' +
    field('enterprise', 'text', filters.enterprise) +
    field('zone', 'text', filters.zone) +
    `<label>${esc(t('kind'))} <select name="kinds">${opt('', t('all'))}` +
    Object.entries(GROUPS)
      .map(([g, kinds]) => opt(kinds, t(`group.${g}`)))
      .join('') +
    '</select></label>' +
    when('from', filters.from) +
    when('to', filters.to) +
    `<button type="submit">${esc(t('search'))}</button>` +
    (canExport ? `<a class="button" id="csv-link" href="#">${esc(t('exportCsv'))}</a>` : '') +
    options(
      'list-enterprise',
      places.map((p) => p.enterprise),
    ) +
    options(
      'list-zone',
      places.map((p) => p.zone),
    ) +
    '</form>'
  );
}

/** A hazard event: which, how severe, its state, its deadline, and overdue when it is. */
function hazardText(h) {
  return (
    `#${h.hazard} ${t(`hazard.${h.cause}`)} · ${t(`severity.${h.severity}`)} · ${t(`hazardState.${h.state}`)}` +
    ` · ${t('deadline')} ${formatTime(h.deadline)}${h.overdue ? ` · ${t('overdue')}` : ''}${h.note ? ` · ${h.note}` : ''}`
  );
}

/** Operators are named; a node's own test or hush says whether its button or a command did it. */
function byWhom(e) {
  const nodeSaid = e.kind === 'test' || e.kind === 'hush';
  return `${t('by')} ${nodeSaid ? t(`via.${e.data.by}`) : e.data.by}`;
}

export function eventRows(events, canAct) {
  return events
    .map((e) => {
      const detail =
        e.kind === 'note'
          ? `${e.data.note} (${t('by')} ${e.data.by})`
          : e.kind === 'hazard'
            ? hazardText(e.data)
            : e.trouble
              ? t(`trouble.${e.trouble}`)
              : e.data.by
                ? byWhom(e)
                : formatReading(e.ch, e.data);
      const note = canAct ? `<button data-action="note" data-event="${esc(e.id)}">${esc(t('note'))}</button>` : '';
      return (
        `<tr class="p-${esc(e.priority)}" data-id="${esc(e.id)}">` +
        cells(HISTORY_HEAD, [
          esc(formatTime(e.at)),
          esc(t(`kind.${e.kind}`)) + drillTag(e),
          place(e.placement),
          nodeChannel(e.node, e.ch),
          esc(detail || '—'),
          note,
        ]) +
        '</tr>'
      );
    })
    .join('');
}

const HISTORY_HEAD = ['time', 'kind', 'place', 'node', 'detail', ''];

export function historyTable(events, canAct, hasMore) {
  return (
    table('history', HISTORY_HEAD, eventRows(events, canAct), 'history-rows') +
    (hasMore ? `<button id="history-more">${esc(t('more'))}</button>` : '')
  );
}

export function nodeView(data, canAct, planHtml) {
  const n = data.node;
  const channels = Object.entries(n.channels)
    .map(([ch, st]) => `${esc(channelLabel(ch))}：${esc(channelState(st))}`)
    .join(', ');
  return (
    `<p><a href="#/nodes">← ${esc(t('back'))}</a></p>` +
    `<h2>${esc(n.node)} <small>${place(n.placement)}</small></h2>` +
    '<dl class="facts">' +
    `<dt>${esc(t('state'))}</dt><dd>${esc(n.online ? t('online') : t('trouble.offline'))}</dd>` +
    `<dt>${esc(t('lastSeen'))}</dt><dd>${esc(formatTime(n.lastSeen))}</dd>` +
    `<dt>${esc(t('battery'))}</dt><dd>${measured(n.battery, 'mV')}</dd>` +
    `<dt>${esc(t('signal'))}</dt><dd>${measured(n.rssi, 'dBm')}</dd>` +
    `<dt>${esc(t('firmware'))}</dt><dd>${esc(n.fw ?? '—')}</dd>` +
    `<dt>${esc(t('channels'))}</dt><dd>${channels || '—'}</dd>` +
    `<dt>${esc(t('troubles'))}</dt><dd>${esc(n.troubles.map((c) => t(`trouble.${c}`)).join(', ') || '—')}</dd>` +
    '</dl>' +
    (canAct ? `<button data-action="test" data-node="${esc(n.node)}">${esc(t('test'))}</button>` : '') +
    (planHtml || '') +
    `<h3>${esc(t('readings'))} (${esc(data.hours)} ${esc(t('hours'))})</h3>` +
    readingsChart(data.readings, { from: data.now - data.hours * 3_600_000, to: data.now }, t('noReadings')) +
    `<h3>${esc(t('recentEvents'))}</h3>` +
    historyTable(data.events, canAct, false)
  );
}

export function refusalsView(data) {
  // reasons are codes and are translated; sources are node ids, shown as they are
  const table = (title, head, rows, label) =>
    `<h3>${esc(title)}</h3><div class="scroll"><table><thead><tr><th>${esc(t(head))}</th><th>${esc(t('count'))}</th></tr></thead><tbody>` +
    Object.entries(rows)
      .map(([k, v]) => `<tr><td>${esc(label(k))}</td><td>${esc(formatNumber(v, 0))}</td></tr>`)
      .join('') +
    '</tbody></table></div>';
  const reason = (k) => t(`refusal.${k}`);
  return (
    table(t('gatewayRefusals'), 'reason', data.gateway.byReason, reason) +
    table(`${t('gatewayRefusals')} — ${t('source')}`, 'source', data.gateway.bySource, (k) => k) +
    table(t('panelRefusals'), 'reason', data.panel, reason)
  );
}

export function loginView(needsSetup) {
  const setup = needsSetup
    ? `<form id="setup-form" class="login"><h2>${esc(t('setupTitle'))}</h2>` +
      `<label>${esc(t('setupToken'))} <input name="token" required autocomplete="off"></label>` +
      `<label>${esc(t('user'))} <input name="name" required autocomplete="username"></label>` +
      `<label>${esc(t('password'))} <input name="password" type="password" required minlength="10" autocomplete="new-password"></label>` +
      `<button type="submit">${esc(t('create'))}</button></form>`
    : '';
  return (
    `<form id="login-form" class="login"><h2>${esc(t('login'))}</h2>` +
    `<label>${esc(t('user'))} <input name="name" required autocomplete="username"></label>` +
    `<label>${esc(t('password'))} <input name="password" type="password" required autocomplete="current-password"></label>` +
    `<button type="submit">${esc(t('login'))}</button></form>` +
    setup
  );
}

/** Drills: which run, the recent ones, and for an admin the form that starts one. */
export function drillsView(data, isAdmin, nodes) {
  const where = (d) => esc(d.enterprise) + (d.zone ? ` · ${esc(d.zone)}` : ` · ${esc(t('allZones'))}`);
  const running = data.running.length
    ? `<ul class="conditions">${data.running
        .map(
          (d) =>
            `<li class="condition"><div class="what"><span class="tag drill">${esc(t('drill'))} #${esc(d.id)}</span> ` +
            `${where(d)} · ${esc(t(`scenario.${d.scenario}`))}</div>` +
            `<div class="meta">${esc(t('started'))} ${esc(formatTime(d.startedAt))} · ${esc(d.startedBy)}</div>` +
            (isAdmin
              ? `<div class="actions"><button data-drill-stop="${esc(d.enterprise)}">${esc(t('drillStop'))}</button></div>`
              : '') +
            '</li>',
        )
        .join('')}</ul>`
    : `<p class="all-clear">${esc(t('noDrills'))}</p>`;
  const places = nodes.map((n) => n.placement).filter(Boolean);
  const form = isAdmin
    ? '<form class="filters" id="drill-form">' +
      `<label>${esc(t('enterprise'))} <input name="enterprise" required list="list-enterprise"></label>` +
      `<label>${esc(t('zone'))} <input name="zone" list="list-zone" placeholder="${esc(t('allZones'))}"></label>` +
      `<label>${esc(t('scenario'))} <select name="scenario"><option value="fire">${esc(t('scenario.fire'))}</option>` +
      `<option value="water">${esc(t('scenario.water'))}</option></select></label>` +
      `<button type="submit">${esc(t('drillStart'))}</button>` +
      options(
        'list-enterprise',
        places.map((p) => p.enterprise),
      ) +
      options(
        'list-zone',
        places.map((p) => p.zone),
      ) +
      '</form>'
    : '';
  const recent = data.recent
    .map(
      (d) =>
        `<tr><td>#${esc(d.id)}</td><td>${where(d)}</td><td>${esc(t(`scenario.${d.scenario}`))}</td>` +
        `<td>${esc(formatTime(d.startedAt))}</td><td>${d.stoppedAt ? esc(formatTime(d.stoppedAt)) : '—'}</td></tr>`,
    )
    .join('');
  return (
    `<h3>${esc(t('drillRunning'))}</h3>${running}${form}` +
    `<h3>${esc(t('drillRecent'))}</h3><div class="scroll"><table><thead><tr><th>#</th><th>${esc(t('enterprise'))}</th>` +
    `<th>${esc(t('scenario'))}</th><th>${esc(t('started'))}</th><th>${esc(t('stopped'))}</th></tr></thead><tbody>${recent}</tbody></table></div>`
  );
}
