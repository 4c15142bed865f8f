import { parseBytes, parseCount, parseCpuMillicores } from '../../../core/quantity';

const value = (r: { ok: true; value: number } | { ok: false; error: string }) => (r.ok ? r.value : r.error);

describe('parseCpuMillicores', () => {
  test.each([
    ['250m', 250],
    ['1', 1000],
    ['0.5', 500],
    ['.1', 100],
    ['0.1', 100],
    ['1.5', 1500],
    ['2000m', 2000],
    ['1500m', 1500],
    ['100000n', 1],
    ['1u', 1],
    ['1e3', 1_000_000],
    ['1E-3', 1],
    ['2e-1', 200],
    ['1k', 1_000_000],
    ['0', 0],
    ['+3', 3000],
    [' 4 ', 4000],
  ])('converts %j to %d millicores, rounding fractions of a millicore up', (text, expected) => {
    expect(value(parseCpuMillicores(text))).toBe(expected);
  });
});

describe('parseBytes', () => {
  test.each([
    ['128974848', 128_974_848],
    ['129e6', 129_000_000],
    ['129M', 129_000_000],
    ['123Mi', 128_974_848],
    ['1Ki', 1024],
    ['1Gi', 1024 ** 3],
    ['0.5Gi', 536_870_912],
    ['1.5Ki', 1536],
    ['2Ti', 2 * 1024 ** 4],
    ['1Pi', 1024 ** 5],
    ['1Ei', 2 ** 60],
    ['1k', 1000],
    ['1G', 1e9],
    ['1T', 1e12],
    ['1P', 1e15],
    ['1E', 1e18],
    ['7869096Ki', 8_057_954_304],
    ['1.1', 2],
    ['500m', 1],
    ['12E2', 1200],
    ['-1Ki', -1024],
  ])('converts %j to %d bytes', (text, expected) => {
    expect(value(parseBytes(text))).toBe(expected);
  });

  test('parses pod counts with the same grammar', () => {
    expect(value(parseCount('110'))).toBe(110);
  });
});

describe('rejections', () => {
  test.each(['', 'abc', '1.2.3', '1Ki2', '1kb', '1KB', 'Mi', '1 Mi', '--1', '1e', '1e1000', '0x10', '1m1'])('rejects %j with a message naming the value and the expected grammar', (text) => {
    expect(parseBytes(text)).toEqual({ ok: false, error: expect.stringMatching(/quantity.*expected/) });
    expect(parseCpuMillicores(text).ok).toBe(false);
  });
});

describe('values beyond the quantity range', () => {
  test.each([
    ['1e400', /exponent e400; expected an exponent within ±308/],
    ['NaN', /is not a Kubernetes quantity/],
    ['Infinity', /is not a Kubernetes quantity/],
    ['-Infinity', /is not a Kubernetes quantity/],
    ['9999999999999999999999999Ei', /"9999999999999999999999999Ei" is too large: more than 2\^63-1 units; expected a value within Kubernetes' quantity range/],
    ['1e308', /"1e308" is too large/],
    ['-1e300', /"-1e300" is too large/],
    ['8Ei', /"8Ei" is too large/],
  ])('rejects %j with a message instead of a number JSON would write as null', (text, message) => {
    expect(parseBytes(text)).toEqual({ ok: false, error: expect.stringMatching(message) });
  });

  test('rejects a CPU quantity whose millicores are beyond the range, naming the unit', () => {
    expect(parseCpuMillicores('9223372036854775807')).toEqual({ ok: false, error: expect.stringMatching(/too large: more than 2\^63-1 millicores/) });
  });

  test('accepts the largest quantity Kubernetes represents, as a finite number', () => {
    expect(parseBytes('9223372036854775807')).toEqual({ ok: true, value: 2 ** 63 });
    expect(parseCpuMillicores('9223372036854775807m')).toEqual({ ok: true, value: 2 ** 63 });
  });
});
