import type { HostReader } from './host-reader';

/** Counts the values of one cycle that could not be read (missing file, permission, bad content). */
export interface ReadTally {
  readErrors: number;
}

/**
 * Reads a file, or counts it as a read error and returns undefined when it cannot be read
 * (missing, permission denied). Callers omit the values of that file.
 */
export function readOrCount(host: HostReader, path: string, tally: ReadTally): string | undefined {
  try {
    return host.readText(path);
  } catch (error) {
    if (!isSystemError(error)) throw error;
    tally.readErrors += 1;
    return undefined;
  }
}

/**
 * True for an operating-system error of a file call (ENOENT, EACCES, ENOTDIR...): the expected
 * failures of reading a live host. Checked by shape, not `instanceof`, so it also holds for errors
 * made in another realm (test sandboxes). Anything else is a programmer error and is rethrown.
 */
export function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string';
}
