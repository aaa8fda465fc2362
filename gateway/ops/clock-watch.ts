import type { Logger } from 'pino';
import type { ClockState, ClockSync } from './clock-sync.ts';

/**
 * Checks the clock now and every `everyMs` and turns a change into a gateway trouble
 * (`clock`, raised while unsynchronised, cleared when synchronised). "unknown" (no timedatectl
 * or chrony answered) is logged once and changes nothing: the doctor reports it.
 */
export const CLOCK_CHECK_MS = 60_000;

export function watchClock(
  clock: ClockSync,
  raise: (raised: boolean, data: Record<string, unknown>) => void,
  logger: Logger,
  everyMs = CLOCK_CHECK_MS,
): { stop(): void } {
  let last: ClockState | undefined;
  let stopped = false;
  const check = async () => {
    const { state, via } = await clock.check();
    if (stopped || state === last) return;
    last = state;
    if (state === 'unknown')
      logger.warn({ via }, '无法得知时钟是否已同步 / cannot tell whether the clock is synchronised');
    else {
      if (state === 'unsynced')
        logger.warn(
          { via },
          '系统时钟未同步，事件时间不可信 / the system clock is not synchronised: event times are suspect',
        );
      raise(state === 'unsynced', { via });
    }
  };
  const failed = (err: Error) => logger.error({ err: err.message }, 'clock check failed');
  check().catch(failed);
  const timer = setInterval(() => check().catch(failed), everyMs);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
