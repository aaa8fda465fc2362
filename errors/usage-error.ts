/**
 * A mistake in how a command was called (a missing or malformed argument). Every host-side
 * layer that parses arguments raises it; cli/main.ts prints it with the command's usage and
 * exits with status 2. It lives below all of them so no layer imports the CLI.
 */
export class UsageError extends Error {
  readonly code = 'PW_USAGE';
}
