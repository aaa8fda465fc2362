/**
 * Replay window for one sender: its boot counter and a 32-wide window of sequence numbers
 * below the highest seen. A message is fresh when it comes from a newer boot, or from the
 * current boot with a sequence not yet seen inside the window. Older boots, sequences seen
 * before and sequences that fell out of the window are refused.
 *
 * A refused `duplicate` is usually a re-send whose acknowledgement was lost: the gateway
 * acknowledges it again but does not store it twice.
 */
export type ReplayVerdict = 'fresh' | 'duplicate' | 'old_boot' | 'too_old';

export const REPLAY_WINDOW = 32;

export interface ReplayState {
  boot: number;
  /** highest sequence accepted in this boot, 0 before any */
  high: number;
  /** bit i set: sequence (high - i) was accepted */
  mask: number;
}

export function emptyReplayState(): ReplayState {
  return { boot: 0, high: 0, mask: 0 };
}

export function checkReplay(state: ReplayState, boot: number, seq: number): ReplayVerdict {
  if (boot < state.boot) return 'old_boot';
  if (boot > state.boot || seq > state.high) return 'fresh';
  const back = state.high - seq;
  if (back >= REPLAY_WINDOW) return 'too_old';
  return (state.mask >>> back) & 1 ? 'duplicate' : 'fresh';
}

/** Records an accepted message; call only after checkReplay said 'fresh'. Returns the new state. */
export function acceptReplay(state: ReplayState, boot: number, seq: number): ReplayState {
  if (boot > state.boot) return { boot: boot, high: seq, mask: 1 };
  if (seq > state.high) {
    const shift = seq - state.high;
    const mask = shift >= REPLAY_WINDOW ? 1 : ((state.mask << shift) | 1) >>> 0;
    return { boot: boot, high: seq, mask: mask };
  }
  return { boot: boot, high: state.high, mask: (state.mask | (1 << (state.high - seq))) >>> 0 };
}
