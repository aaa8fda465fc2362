/** What the forwarder's two function nodes share in flow context (type-only). */

/** the journal entry being delivered: where it is, where the next one starts */
export interface InFlight {
  file: string;
  offset: number;
  next: number;
  id: string;
  since: number;
}

export interface ForwardState {
  inFlight: InFlight | null;
  /** no request before this time (back-off after a failure) */
  retryAt: number;
  backoffMs: number;
  forwarded: number;
  retried: number;
  rejected: number;
  skipped: number;
  /** passed over: another instance had forwarded it (PW_FORWARD_LEDGER) */
  elsewhere: number;
  /** the last failure of the forward ledger, '' when it works */
  ledgerError?: string;
}
