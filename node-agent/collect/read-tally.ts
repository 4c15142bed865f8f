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
    if (!(error instanceof Error)) throw error;
    tally.readErrors += 1;
    return undefined;
  }
}
