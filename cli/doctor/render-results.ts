import type { CheckResult } from '../../core/prerequisites';

/** How the results are printed. */
export interface RenderOptions {
  /** ANSI colours: only when stdout is a terminal and NO_COLOR is unset. */
  readonly colour: boolean;
}

const GREEN = '\u001b[32m';
const RED = '\u001b[31m';
const RESET = '\u001b[0m';

/** The label of a check's scope: its cluster, or `(fleet)` (no cluster name has parentheses). */
const scopeOf = (r: CheckResult): string => r.cluster ?? '(fleet)';

/**
 * One line per check, `✓` or `✗`, the scope, the check and its message; a failed check's fix on
 * the same line; then a summary line.
 */
export function toResultLines(results: readonly CheckResult[], options: RenderOptions): string {
  const paint = (colour: string, text: string) => (options.colour ? `${colour}${text}${RESET}` : text);
  const scopeWidth = Math.max(0, ...results.map((r) => scopeOf(r).length));
  const checkWidth = Math.max(0, ...results.map((r) => r.check.length));
  const lines = results.map((r) => {
    const mark = r.ok ? paint(GREEN, '✓') : paint(RED, '✗');
    const fix = !r.ok && r.fix ? ` — fix: ${r.fix}` : '';
    return `${mark} ${scopeOf(r).padEnd(scopeWidth)}  ${r.check.padEnd(checkWidth)}  ${r.message}${fix}`;
  });
  const failed = results.filter((r) => !r.ok).length;
  const summary = `${results.length} check${results.length === 1 ? '' : 's'}: ${results.length - failed} passed, ${failed} failed`;
  return `${[...lines, failed > 0 ? paint(RED, summary) : paint(GREEN, summary)].join('\n')}\n`;
}

/** The results as one JSON document: `{ ok, passed, failed, results: [{cluster, check, ok, message, fix?}] }`. */
export function toResultJson(results: readonly CheckResult[]): string {
  const failed = results.filter((r) => !r.ok).length;
  return `${JSON.stringify({ ok: failed === 0, passed: results.length - failed, failed, results }, null, 2)}\n`;
}

/** Whether to colour: a terminal, and no NO_COLOR (any non-empty value). @see https://no-color.org */
export const shouldColour = (isTty: boolean | undefined, env: NodeJS.ProcessEnv): boolean => isTty === true && !env.NO_COLOR;
