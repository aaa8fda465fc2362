// The wall screen (kiosk): read across a control room. The most urgent alarm is the largest;
// fire, then water, then trouble, as a fire panel lists them; counts and the gateway's own health
// at the side. Times since are kept current by tickWall() every second.
import { centreLines } from './centre-link.js';
import { channelLabel } from './channels.js';
import { formatNumber, formatSince, formatTime, t } from './i18n.js';
import { esc } from './views.js';

function title(c) {
  if (c.kind === 'trouble') return `${t('priority.trouble')}：${t(`trouble.${c.trouble}`)}`;
  return `${t(`priority.${c.priority}`)}${c.kind === 'prealarm' ? t('kind.prealarm') : t('kind.alarm')}`;
}

function alarmCard(c, now) {
  const p = c.placement;
  const building = p ? [p.site, p.zone].filter(Boolean).join(' · ') : '';
  const cls = ['wall-alarm', `p-${c.priority}`, `s-${c.state}`, c.state === 'active' ? 'flash' : ''].join(' ');
  return (
    `<li class="${cls}" data-ref="${esc(c.ref)}">` +
    `<div class="w-kind">${esc(title(c))} <span class="w-state">${esc(t(`state.${c.state}`))}</span></div>` +
    `<div class="w-since" data-since="${c.since}">${esc(formatSince(c.since, now))}</div>` +
    `<div class="w-ent">${esc(p ? p.enterprise : (c.node ?? '—'))}</div>` +
    `<div class="w-where">${esc(building)}${p && p.location ? ` · ${esc(p.location)}` : ''}</div>` +
    `<div class="w-node">${esc(c.node ?? '')}${c.ch ? ` / ${esc(channelLabel(c.ch))}` : ''} · ${esc(formatTime(c.since))}</div>` +
    '</li>'
  );
}

function healthBlock(h, now) {
  const cloudOk = h.cloud === 'connected';
  const centre = centreLines(h.centre, now)
    .map(([id, ok, html]) => `<div class="${ok ? 'ok' : 'bad'}" id="${id}">${html}</div>`)
    .join('');
  return (
    '<div class="wall-health">' +
    `<div class="${cloudOk ? 'ok' : 'bad'}" id="wall-cloud">${esc(t('cloudLink'))}：${esc(t(`cloud.${h.cloud}`))}</div>` +
    `<div class="${h.outboxDepth > 0 && !cloudOk ? 'bad' : 'ok'}" id="wall-outbox">${esc(t('outboxDepth'))}：${esc(formatNumber(h.outboxDepth, 0))}</div>` +
    centre +
    '</div>'
  );
}

/** `planHtml`: the plan of the most urgent alarm's building, when there is one. */
export function wallView(overview, planHtml) {
  const now = overview.now;
  const c = overview.counts;
  const counts = [
    ['alarms', 'activeAlarms', c.alarms],
    ['unack', 'unacknowledged', c.unacknowledged],
    ['troubles', 'troubles', c.troubles],
    ['offline', 'offline', c.offline],
  ]
    .map(
      ([id, label, n]) =>
        `<div class="count ${n ? 'nonzero' : ''}" id="wall-count-${id}"><b>${esc(formatNumber(n, 0))}</b>${esc(t(label))}</div>`,
    )
    .join('');
  const alarms = overview.conditions.filter((x) => x.state !== 'closed');
  const list = alarms.length
    ? `<ol class="wall-alarms">${alarms.map((x) => alarmCard(x, now)).join('')}</ol>`
    : `<p class="all-clear wall-clear">${esc(t('noAlarms'))}</p>`;
  return (
    '<section class="wall">' +
    `<div class="wall-main">${list}</div>` +
    `<aside class="wall-side"><div class="wall-clock" id="wall-clock">${esc(formatTime(now))}</div>` +
    `<div class="counts wall-counts">${counts}</div>${healthBlock(overview.health, now)}${planHtml || ''}</aside>` +
    '</section>'
  );
}

/** Keeps the clock and the times since current between overview fetches. */
export function tickWall(now) {
  const clock = document.getElementById('wall-clock');
  if (clock) clock.textContent = formatTime(now);
  for (const el of document.querySelectorAll('.w-since')) el.textContent = formatSince(Number(el.dataset.since), now);
  for (const el of document.querySelectorAll('.w-until')) el.textContent = formatSince(now, Number(el.dataset.until));
}
