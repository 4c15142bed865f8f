import { toSnippet } from './errors';
import { err, ok, type Result } from './result';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

/**
 * Parses a duration such as `500ms`, `10s`, `1.5m`, `1m30s` or `2h` into whole milliseconds: the one
 * grammar of every interval kinsight reads (agent flags and environment, `kinsight local`, the fleet
 * file, the manifest). A bare number has no unit and is rejected: `60` could mean seconds or ms.
 */
export function parseDuration(text: string): Result<number> {
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) return err(`"${toSnippet(text, 40)}" is not a duration; expected a number with ms, s, m or h (for example 500ms, 10s, 1m30s)`);
  let totalMs = 0;
  for (const [, amount, unit] of trimmed.matchAll(PART)) totalMs += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  totalMs = Math.round(totalMs);
  return Number.isSafeInteger(totalMs) ? ok(totalMs) : err(`"${toSnippet(text, 40)}" is too long a duration`);
}
