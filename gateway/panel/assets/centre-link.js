// The link to the city fire monitoring centre (GB/T 26875): lines for the wall screen's health
// block, and the warning over every operator view while the link is down. Durations sit in
// spans that tickWall() keeps current between overview fetches.
import { formatNumber, formatSince, formatTime, t } from './i18n.js';
import { esc } from './views.js';

const since = (ms, now) => `<span class="w-since" data-since="${ms}">${esc(formatSince(ms, now))}</span>`;
const until = (ms, now) => `<span class="w-until" data-until="${ms}">${esc(formatSince(now, ms))}</span>`;
/** a translation with "{d}" where the duration goes (word order differs between the languages) */
const withDuration = (key, html) => esc(t(key)).replace('{d}', html);

function stateHtml(c, now) {
  const parts = [esc(t(`centre.${c.state}`))];
  if (c.state === 'waiting' && c.nextTryAt) parts.push(withDuration('centre.nextTry', until(c.nextTryAt, now)));
  if (c.state !== 'connected' && c.downSince) parts.push(withDuration('centre.downFor', since(c.downSince, now)));
  return parts.join(' · ');
}

function queuedHtml(c) {
  const total = c.queued.fire + c.queued.other;
  const fire = c.queued.fire ? ` · ${esc(t('priority.fire'))} ${esc(formatNumber(c.queued.fire, 0))}` : '';
  return `${esc(formatNumber(total, 0))}${fire}`;
}

/** [id, ok, html] for each line the wall shows; only the state when the uplink is not enabled. */
export function centreLines(c, now) {
  const label = (key, html) => `${esc(t(key))}：${html}`;
  const lines = [['wall-centre', c.state === 'connected', label('centreLink', stateHtml(c, now))]];
  if (c.state === 'disabled') return lines;
  const queued = c.queued.fire + c.queued.other;
  lines.push(['wall-centre-queue', queued === 0 || c.state === 'connected', label('centre.queued', queuedHtml(c))]);
  if (c.oldestAt) lines.push(['wall-centre-oldest', !c.overdue, label('centre.oldest', since(c.oldestAt, now))]);
  lines.push(['wall-centre-confirm', true, label('centre.lastConfirm', esc(formatTime(c.lastConfirmAt)))]);
  // a denial the resend got past is for the record; a frame given up never reached the centre
  if (c.denied || c.dropped) {
    const dropped = c.dropped ? ` · ${esc(t('centre.dropped'))} ${esc(formatNumber(c.dropped, 0))}` : '';
    lines.push(['wall-centre-denied', !c.dropped, label('centre.denied', esc(formatNumber(c.denied, 0)) + dropped)]);
  }
  return lines;
}

/**
 * The banner over the operator's views once the link has been down downTroubleS or longer (a
 * reconnect of a few seconds is no news); empty otherwise.
 */
export function centreWarning(c, now) {
  if (!c || !c.overdue) return '';
  const queued = c.queued.fire + c.queued.other;
  const parts = [`<strong>${esc(t('centre.overdue'))}</strong>`, `${esc(t('centreLink'))}：${stateHtml(c, now)}`];
  if (queued) parts.push(`${esc(t('centre.queued'))} ${queuedHtml(c)}`);
  return parts.join(' · ');
}
