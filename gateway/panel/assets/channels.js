// A channel's name, state and readings as an operator reads them: translated, with their unit.
import { formatNumber, t, tOr } from './i18n.js';

/** smoke / water / heat from the event's own `src` when it has one, else from the channel's name. */
export function sourceOf(ch, src) {
  if (src === 'smoke' || src === 'water' || src === 'heat') return src;
  if (/^smoke/i.test(ch)) return 'smoke';
  if (/^(water|leak)/i.test(ch)) return 'water';
  if (/^heat/i.test(ch)) return 'heat';
  return null;
}

export function channelLabel(ch) {
  return ch ? tOr(`ch.${ch}`, ch) : '';
}

export function channelState(st) {
  return t(`chstate.${st}`);
}

/** The unit a chart axis of this channel is labelled with ('' when the channel's unit is unknown). */
export function unitOf(ch, src) {
  const s = sourceOf(ch, src);
  return s === 'smoke' ? 'dB/m' : s === 'water' ? 'mm' : '';
}

/** The value in the unit shown: the node sends smoke in 0.001 dB/m and water levels in mm. */
export function scaled(ch, v, src) {
  return sourceOf(ch, src) === 'smoke' ? v / 1000 : v;
}

/**
 * One reading with its unit. A water contact (rope, probe) reports 1 = wet, 0 = dry, with
 * threshold 1 and baseline 0 or neither; a water level channel reports millimetres with a baseline.
 */
export function formatReading(ch, data) {
  const v = data.v;
  if (typeof v !== 'number') return '';
  const src = sourceOf(ch, data.src);
  if (src === 'water' && (v === 0 || v === 1) && (data.th === 1 || (data.th === undefined && data.b === undefined)))
    return t(v ? 'contact.wet' : 'contact.dry');
  const unit = unitOf(ch, data.src);
  const text = formatNumber(scaled(ch, v, data.src), src === 'smoke' ? 3 : 2);
  return unit ? `${text} ${unit}` : text;
}
