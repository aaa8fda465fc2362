// Alarm tones generated with WebAudio (no audio files): each kind sounds different, as
// GB 20517 asks a battery/trouble sound to differ from the fire alarm.
//  fire:    temporal-3, three 0.5 s beeps at 950 Hz, then 1.5 s quiet (ISO 8201)
//  water:   slow two-tone 600/400 Hz
//  trouble: one short 2 kHz chirp every 10 s
const PATTERNS = {
  fire: {
    period: 4.0,
    tones: [
      [0, 0.5, 950],
      [1.0, 0.5, 950],
      [2.0, 0.5, 950],
    ],
  },
  water: {
    period: 2.0,
    tones: [
      [0, 0.4, 600],
      [0.5, 0.4, 400],
    ],
  },
  trouble: { period: 10.0, tones: [[0, 0.12, 2000]] },
};

let ctx;
let current = null;
let timer;

export function soundUnlocked() {
  return ctx !== undefined && ctx.state === 'running';
}

/**
 * Starts audio without a click where the browser allows it (a kiosk Chromium launched with
 * --autoplay-policy=no-user-gesture-required); elsewhere the context stays suspended until
 * unlockSound() runs inside a click. `onChange` hears when it starts.
 */
export function trySoundWithoutClick(onChange) {
  if (!ctx) ctx = new AudioContext();
  ctx.onstatechange = onChange;
  ctx.resume().catch(() => undefined);
}

/** Must run inside a click: browsers start audio only after a user gesture. */
export async function unlockSound() {
  if (!ctx) ctx = new AudioContext();
  await ctx.resume();
}

function beep(startAt, duration, freq) {
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  osc.type = 'square';
  osc.frequency.value = freq;
  gain.gain.setValueAtTime(0.0001, startAt);
  gain.gain.exponentialRampToValueAtTime(0.2, startAt + 0.01);
  gain.gain.setValueAtTime(0.2, startAt + duration - 0.02);
  gain.gain.exponentialRampToValueAtTime(0.0001, startAt + duration);
  osc.connect(gain).connect(ctx.destination);
  osc.start(startAt);
  osc.stop(startAt + duration + 0.01);
}

function playCycle(pattern) {
  const t0 = ctx.currentTime + 0.05;
  for (const [offset, duration, freq] of pattern.tones) beep(t0 + offset, duration, freq);
}

/** Plays the pattern for `kind` ('fire' | 'water' | 'trouble') on a loop, or stops with null. */
export function playAlert(kind) {
  if (kind === current) return;
  current = kind;
  clearInterval(timer);
  if (!kind || !soundUnlocked()) return;
  const pattern = PATTERNS[kind];
  playCycle(pattern);
  timer = setInterval(() => playCycle(pattern), pattern.period * 1000);
}

export function currentAlert() {
  return current;
}
