import { err, ok, type Result } from './result';

/**
 * Kubernetes resource quantities (`250m`, `0.5`, `1Gi`, `129e6`, `1.5k`): the grammar of
 * k8s.io/apimachinery `resource.Quantity`, with exact decimal arithmetic (BigInt), so `0.1` CPU
 * is exactly 100 millicores, never 100.00000000000001.
 *
 * Suffixes: binary `Ki Mi Gi Ti Pi Ei` (powers of 1024), decimal `n u m k M G T P E`, or a decimal
 * exponent `e<n>` / `E<n>`. Conversions round up like Kubernetes' `MilliValue()` / `Value()`.
 * A quantity whose converted integer is beyond 2^63-1 in magnitude (`1e308`, `9999999999999999999999999Ei`),
 * the largest quantity Kubernetes represents, is unparsable like `NaN` or `Infinity`: never a number
 * that JSON would write as null, nor one whose sums over a cluster would overflow a double.
 *
 * @see https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
 */

const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const GRAMMAR = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/;

/** A quantity as an exact rational: mantissa × 10^exp10 × 2^exp2. */
interface ExactQuantity {
  readonly mantissa: bigint;
  readonly exp10: number;
  readonly exp2: number;
}

function toExact(text: string): Result<ExactQuantity> {
  const m = GRAMMAR.exec(text.trim());
  if (!m) {
    return err(`quantity "${text.slice(0, 40)}" is not a Kubernetes quantity; expected a number with an optional suffix (250m, 0.5, 128Mi, 1G, 129e6)`);
  }
  const [, sign, number, exponent, suffix] = m;
  const [whole, fraction = ''] = number.split('.');
  const digits = `${whole}${fraction}` || '0';
  let exp10 = -fraction.length;
  let exp2 = 0;
  if (exponent) {
    const e = Number(exponent.slice(1));
    if (!Number.isSafeInteger(e) || Math.abs(e) > 308) return err(`quantity "${text.slice(0, 40)}" has exponent ${exponent}; expected an exponent within ±308`);
    exp10 += e;
  } else if (suffix && suffix in BINARY) exp2 = BINARY[suffix];
  else exp10 += DECIMAL[suffix ?? ''];
  const mantissa = BigInt(digits) * (sign === '-' ? -1n : 1n);
  return ok({ mantissa, exp10, exp2 });
}

/** The largest magnitude of a Kubernetes quantity (resource.Quantity): 2^63-1. */
const MAX_QUANTITY = 2n ** 63n - 1n;

/**
 * value × 10^scale10, rounded up to an integer (towards +∞, as resource.Quantity rounds); undefined
 * beyond {@link MAX_QUANTITY} (a larger number could reach Infinity, which JSON writes as null and a
 * sum then takes as 0).
 */
function toCeilInteger(q: ExactQuantity, scale10: number): number | undefined {
  let numerator = q.mantissa * 2n ** BigInt(q.exp2);
  let denominator = 1n;
  const e = q.exp10 + scale10;
  if (e >= 0) numerator *= 10n ** BigInt(e);
  else denominator = 10n ** BigInt(-e);
  let quotient = numerator / denominator;
  if (numerator % denominator !== 0n && numerator > 0n) quotient += 1n;
  if (quotient > MAX_QUANTITY || quotient < -MAX_QUANTITY) return undefined;
  return Number(quotient);
}

// A cluster spells few distinct quantities ('250m', '1Gi', ...) over and over: remember the
// conversions. A result depends on the text only, so this is memoization, not state.
const MEMO_LIMIT = 10_000;

function memoized(scale10: number): (text: string) => Result<number> {
  const memo = new Map<string, Result<number>>();
  return (text) => {
    let result = memo.get(text);
    if (result === undefined) {
      const q = toExact(text);
      const value = q.ok ? toCeilInteger(q.value, scale10) : undefined;
      if (!q.ok) result = q;
      else if (value === undefined) {
        const unit = scale10 === 3 ? 'millicores' : 'units';
        result = err(`quantity "${text.slice(0, 40)}" is too large: more than 2^63-1 ${unit}; expected a value within Kubernetes' quantity range`);
      } else result = ok(value);
      if (memo.size >= MEMO_LIMIT) memo.clear();
      memo.set(text, result);
    }
    return result;
  };
}

/** Parses a CPU quantity into millicores (`250m` -> 250, `0.5` -> 500, `2` -> 2000), rounded up. */
export const parseCpuMillicores: (text: string) => Result<number> = memoized(3);

/** Parses a memory (or any byte) quantity into bytes (`128Mi` -> 134217728, `1G` -> 1e9), rounded up. */
export const parseBytes: (text: string) => Result<number> = memoized(0);

/** Parses a count quantity (`pods: "110"`) into an integer, rounded up. */
export const parseCount = parseBytes;
