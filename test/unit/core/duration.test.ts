import { parseDuration } from '../../../core/duration';

describe('parseDuration', () => {
  it('reads durations in ms, s, m and h, decimals and compounds', () => {
    expect(['500ms', '10s', '1.5m', '1m30s', '2h', ' 5s '].map((t) => parseDuration(t))).toEqual([
      { ok: true, value: 500 }, { ok: true, value: 10_000 }, { ok: true, value: 90_000 }, { ok: true, value: 90_000 }, { ok: true, value: 7_200_000 }, { ok: true, value: 5_000 },
    ]);
  });

  it('rejects bare numbers, unknown units, inner spaces and signs, saying what is expected', () => {
    for (const bad of ['10', '10 s', 'ten seconds', '5d', '', '-5s']) {
      expect(parseDuration(bad)).toEqual({ ok: false, error: expect.stringMatching(/is not a duration; expected a number with ms, s, m or h/) });
    }
  });

  it('rejects a duration beyond what a millisecond count can hold', () => {
    expect(parseDuration('99999999999999999h')).toEqual({ ok: false, error: expect.stringMatching(/too long/) });
  });
});
