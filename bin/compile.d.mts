/** Types of bin/compile.mjs, for the tests. */
export const ROOT: string;
export const SOURCE_DIRS: string[];
export const STAMP: string;
export const RELATIVE_TS: RegExp;
export function sources(): string[];
export function compiledIsCurrent(stamp?: string): boolean;
