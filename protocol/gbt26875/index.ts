/**
 * GB/T 26875.3-2011, the protocol between a user information transmission device and the city
 * fire remote-monitoring centre. Node only (Buffer, iconv-lite): the rest of protocol/ is
 * Espruino-safe and goes onto the nodes; this folder never does.
 */
export * from './errors.ts';
export * from './frame.ts';
export * from './json.ts';
export * from './objects.ts';
export * from './splitter.ts';
export * from './status-bits.ts';
export * from './text.ts';
export * from './time-label.ts';
