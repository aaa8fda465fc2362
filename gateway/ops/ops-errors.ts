/**
 * Errors of the operations commands (backup, restore, service, doctor). Each has a code, a
 * bilingual reason and a bilingual "what to do"; the CLI prints both and exits 1.
 */
export type OpsErrorCode =
  | 'no_database'
  | 'damaged'
  | 'foreign'
  | 'schema_too_new'
  | 'other_gateway'
  | 'gateway_running'
  | 'relative_data_dir'
  | 'not_root'
  | 'no_systemd';

export class OpsError extends Error {
  constructor(
    readonly code: OpsErrorCode,
    readonly reason: string,
    readonly todo: string,
  ) {
    super(`${reason} — ${todo}`);
  }
}
