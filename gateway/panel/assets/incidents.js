// Incident files: the list, and one incident with its timeline, its closing and its export.
import { formatTime, t } from './i18n.js';
import { esc } from './views.js';

const CAUSES = [
  'real_fire',
  'real_leak',
  'false_cooking',
  'false_steam',
  'false_dust',
  'false_welding',
  'false_fault',
  'test',
  'drill',
];

function seconds(ms) {
  return ms === null || ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`;
}

function place(p) {
  return p ? esc([p.enterprise, p.site, p.zone, p.location].filter(Boolean).join(' · ')) : '—';
}

const link = (id) => `#/incident/${encodeURIComponent(id)}`;

export function incidentsView(list) {
  if (list.length === 0) return `<p class="all-clear">${esc(t('noIncidents'))}</p>`;
  const head = ['opened', 'kind', 'place', 'node', 'state', 'cause', 'alarmToAck', 'alarmToClear'];
  const rows = list.map((i) => {
    const ack = i.alarmAt !== null && i.acknowledgedAt !== null ? i.acknowledgedAt - i.alarmAt : null;
    const end = i.clearedAt ?? i.resetAt;
    const clear = i.alarmAt !== null && end !== null ? end - i.alarmAt : null;
    return (
      `<tr class="p-${esc(i.priority)}" data-incident="${esc(i.id)}">` +
      `<td><a href="${link(i.id)}">${esc(formatTime(i.openedAt))}</a></td>` +
      `<td>${esc(t(`priority.${i.priority}`))}</td><td>${place(i.placement)}</td>` +
      `<td>${esc(i.node ?? '—')} / ${esc(i.ch)}</td><td class="state">${esc(t(`incident.${i.state}`))}</td>` +
      `<td>${i.cause ? esc(t(`cause.${i.cause}`)) : '—'}</td><td>${seconds(ack)}</td><td>${seconds(clear)}</td></tr>`
    );
  });
  return (
    `<div class="scroll"><table class="incidents"><thead><tr>${head.map((h) => `<th>${esc(t(h))}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table></div>`
  );
}

export function incidentView(d, canAct) {
  const i = d.incident;
  const line = (label, value) => `<tr><th>${esc(t(label))}</th><td>${value}</td></tr>`;
  const timeline = d.timeline
    .map(
      (s) =>
        `<tr><td>${esc(formatTime(s.at))}</td><td>${esc(t(`step.${s.step}`))}</td>` +
        `<td>${esc([s.by, s.text].filter(Boolean).join(' · '))}</td></tr>`,
    )
    .join('');
  const base = `/panel/api/incidents/${encodeURIComponent(i.id)}`;
  const actions = canAct
    ? '<div class="actions">' +
      (i.state === 'ended'
        ? `<button data-action="close" data-incident="${esc(i.id)}">${esc(t('closeIncident'))}</button>`
        : '') +
      `<a id="packet-json" href="${base}/packet.json" download>${esc(t('exportJson'))}</a> ` +
      `<a id="packet-html" href="${base}/packet.html" download>${esc(t('exportHtml'))}</a></div>`
    : '';
  return (
    `<p><a href="#/incidents">${esc(t('back'))}</a></p>` +
    `<h2 class="incident-title">${esc(t(`priority.${i.priority}`))} · ${place(i.placement)}</h2>` +
    `<table class="incident">` +
    line('node', `${esc(i.node ?? '—')} / ${esc(i.ch)}`) +
    line('state', `<span id="incident-state">${esc(t(`incident.${i.state}`))}</span>`) +
    line('cause', i.cause ? esc(t(`cause.${i.cause}`)) : '—') +
    line('alarmToAck', seconds(d.figures.alarmToAcknowledgeMs)) +
    line('alarmToClear', seconds(d.figures.alarmToClearMs)) +
    '</table>' +
    actions +
    `<h3>${esc(t('timeline'))}</h3>` +
    `<div class="scroll"><table class="timeline"><thead><tr><th>${esc(t('time'))}</th><th>${esc(t('step'))}</th><th>${esc(t('who'))}</th></tr></thead>` +
    `<tbody>${timeline}</tbody></table></div>`
  );
}

/** The closing dialog's fields. */
export function closeForm() {
  return (
    `<select name="cause" required>${CAUSES.map((c) => `<option value="${c}">${esc(t(`cause.${c}`))}</option>`).join('')}</select>` +
    `<textarea name="note" rows="3" maxlength="500" placeholder="${esc(t('notePlaceholder'))}"></textarea>`
  );
}
