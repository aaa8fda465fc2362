// HTML for each view. Every value from the gateway goes through esc().
import { readingsChart } from './chart.js';
import { formatTime, t } from './i18n.js';

export function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function place(p) {
  if (!p) return '—';
  return esc([p.enterprise, p.site, p.zone, p.location].filter(Boolean).join(' · '));
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
      '</div>' +
      `<div class="where">${place(c.placement)}</div>` +
      `<div class="meta"><a href="#/node/${esc(c.node ?? '')}">${esc(c.node ?? '—')}</a>${c.ch ? ` / ${esc(c.ch)}` : ''}` +
      ` · ${esc(t('since'))} ${esc(formatTime(c.since))}${by}${hushed}</div>` +
      actionButtons(c, canAct) +
      '</li>'
    );
  });
  return `<ul class="conditions">${rows.join('')}</ul>`;
}

export function nodesView(nodes) {
  const rows = nodes.map(
    (n) =>
      `<tr class="${n.online ? '' : 'offline'}"><td><a href="#/node/${esc(n.node)}">${esc(n.node)}</a></td>` +
      `<td>${place(n.placement)}</td>` +
      `<td>${esc(n.online ? t('online') : t('trouble.offline'))}</td>` +
      `<td>${esc(formatTime(n.lastSeen))}</td>` +
      `<td>${n.battery === null ? '—' : `${esc(n.battery)} mV`}</td>` +
      `<td>${n.rssi === null ? '—' : `${esc(n.rssi)} dBm`}</td>` +
      `<td>${esc(n.fw ?? '—')}</td>` +
      `<td>${esc(n.troubles.map((c) => t(`trouble.${c}`)).join(', '))}</td></tr>`,
  );
  const head = ['node', 'place', 'state', 'lastSeen', 'battery', 'signal', 'firmware', 'troubles'];
  return (
    `<div class="scroll"><table class="nodes"><thead><tr>${head.map((h) => `<th>${esc(t(h))}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table></div>`
  );
}

/** "All" leaves out readings: a park's telemetry would bury the events people look for. */
export const ALL_BUT_READINGS =
  'hello,prealarm,alarm,clear,trouble,trouble_clear,test,hush,ack,acknowledge,silence,reset,note,test_request';

const GROUPS = {
  alarm: 'prealarm,alarm,clear',
  trouble: 'trouble,trouble_clear',
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

/** `nodes` give the enterprises and zones offered while typing. */
export function historyForm(filters, nodes) {
  const opt = (value, label) =>
    `<option value="${esc(value)}"${filters.kinds === value ? ' selected' : ''}>${esc(label)}</option>`;
  const field = (name, type, value) =>
    `<label>${esc(t(name))} <input name="${name}" type="${type}" value="${esc(value ?? '')}" list="list-${name}"></label>`;
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
    field('from', 'datetime-local', filters.from) +
    field('to', 'datetime-local', filters.to) +
    `<button type="submit">${esc(t('search'))}</button>` +
    `<a class="button" id="csv-link" href="#">${esc(t('exportCsv'))}</a>` +
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

export function eventRows(events, canAct) {
  return events
    .map((e) => {
      const detail =
        e.kind === 'note'
          ? e.data.note
          : e.trouble
            ? t(`trouble.${e.trouble}`)
            : e.data.by
              ? `${t('by')} ${e.data.by}`
              : e.data.v !== undefined
                ? `v=${e.data.v}`
                : '';
      const note = canAct ? `<button data-action="note" data-event="${esc(e.id)}">${esc(t('note'))}</button>` : '';
      return (
        `<tr class="p-${esc(e.priority)}" data-id="${esc(e.id)}"><td>${esc(formatTime(e.at))}</td>` +
        `<td>${esc(t(`kind.${e.kind}`))}</td><td>${place(e.placement)}</td>` +
        `<td><a href="#/node/${esc(e.node ?? '')}">${esc(e.node ?? '—')}</a>${e.ch ? ` / ${esc(e.ch)}` : ''}</td>` +
        `<td>${esc(detail)}</td><td>${note}</td></tr>`
      );
    })
    .join('');
}

export function historyTable(events, canAct, hasMore) {
  const head = ['time', 'kind', 'place', 'node', 'note', ''];
  return (
    `<div class="scroll"><table class="history"><thead><tr>${head.map((h) => `<th>${h ? esc(t(h)) : ''}</th>`).join('')}` +
    `</tr></thead><tbody id="history-rows">${eventRows(events, canAct)}</tbody></table></div>` +
    (hasMore ? `<button id="history-more">${esc(t('more'))}</button>` : '')
  );
}

export function nodeView(data, canAct) {
  const n = data.node;
  const channels = Object.entries(n.channels)
    .map(([ch, st]) => `${esc(ch)}: ${esc(st)}`)
    .join(', ');
  return (
    `<p><a href="#/nodes">← ${esc(t('back'))}</a></p>` +
    `<h2>${esc(n.node)} <small>${place(n.placement)}</small></h2>` +
    '<dl class="facts">' +
    `<dt>${esc(t('state'))}</dt><dd>${esc(n.online ? t('online') : t('trouble.offline'))}</dd>` +
    `<dt>${esc(t('lastSeen'))}</dt><dd>${esc(formatTime(n.lastSeen))}</dd>` +
    `<dt>${esc(t('battery'))}</dt><dd>${n.battery === null ? '—' : `${esc(n.battery)} mV`}</dd>` +
    `<dt>${esc(t('signal'))}</dt><dd>${n.rssi === null ? '—' : `${esc(n.rssi)} dBm`}</dd>` +
    `<dt>${esc(t('firmware'))}</dt><dd>${esc(n.fw ?? '—')}</dd>` +
    `<dt>${esc(t('channels'))}</dt><dd>${channels || '—'}</dd>` +
    `<dt>${esc(t('troubles'))}</dt><dd>${esc(n.troubles.map((c) => t(`trouble.${c}`)).join(', ') || '—')}</dd>` +
    '</dl>' +
    (canAct ? `<button data-action="test" data-node="${esc(n.node)}">${esc(t('test'))}</button>` : '') +
    `<h3>${esc(t('readings'))} (${esc(data.hours)} ${esc(t('hours'))})</h3>` +
    readingsChart(data.readings, t('noReadings')) +
    `<h3>${esc(t('recentEvents'))}</h3>` +
    historyTable(data.events, canAct, false)
  );
}

export function refusalsView(data) {
  const table = (title, rows) =>
    `<h3>${esc(title)}</h3><table><thead><tr><th>${esc(t('reason'))}</th><th>${esc(t('count'))}</th></tr></thead><tbody>` +
    Object.entries(rows)
      .map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(v)}</td></tr>`)
      .join('') +
    '</tbody></table>';
  return (
    table(t('gatewayRefusals'), data.gateway.byReason) +
    table(`${t('gatewayRefusals')} — ${t('source')}`, data.gateway.bySource) +
    table(t('panelRefusals'), data.panel)
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
