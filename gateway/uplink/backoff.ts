/**
 * Reconnect delay: exponential from minMs to maxMs with "equal jitter" (half fixed, half
 * random), so a park full of gateways does not reconnect in step after a cloud outage.
 */
export function backoffDelay(
  attempt: number,
  minMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
