import type { PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { createLogWriter } from '../../../../lambdas/common/log-writer';

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);

/** A CloudWatch Logs client that answers every PutLogEvents with `info` and records the events sent. */
function clientAnswering(info: Record<string, number>) {
  const sent: string[][] = [];
  return {
    sent,
    send: async (command: PutLogEventsCommand) => {
      sent.push((command.input.logEvents ?? []).map((e) => String(e.message)));
      return { rejectedLogEventsInfo: info };
    },
  };
}

const events = (n: number) => Array.from({ length: n }, (_, i) => ({ timestamp: NOW - 1000 + i, message: `e${i}` }));

describe('log writer: the events the service rejects (rejectedLogEventsInfo)', () => {
  it('counts the events before the expired end index as rejected (past the group retention)', async () => {
    const client = clientAnswering({ expiredLogEventEndIndex: 3 });
    const result = await createLogWriter({ client: client as never, now: () => NOW }).write('g', 's', events(7));
    expect(result).toMatchObject({ written: 4, rejected: 3, calls: 1 });
  });

  it('counts the events before the larger of the too-old and expired end indices once, and those from the too-new start index', async () => {
    // Events 0-2 expired (0 is also too old), 5-6 too new: 5 refused, 2 written.
    const client = clientAnswering({ tooOldLogEventEndIndex: 1, expiredLogEventEndIndex: 3, tooNewLogEventStartIndex: 5 });
    const result = await createLogWriter({ client: client as never, now: () => NOW }).write('g', 's', events(7));
    expect(result).toMatchObject({ written: 2, rejected: 5, calls: 1 });
    expect(client.sent).toEqual([['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6']]);
  });

  it('adds up the rejections of every call of a split write, holding an index beyond a call within its events', async () => {
    // 25,000 events: calls of 10,000, 10,000 and 5,000; each answers too-old 2 and too-new from 9,999.
    const client = clientAnswering({ tooOldLogEventEndIndex: 2, tooNewLogEventStartIndex: 9_999 });
    const result = await createLogWriter({ client: client as never, now: () => NOW }).write('g', 's', Array.from({ length: 25_000 }, (_, i) => ({ timestamp: NOW - 30_000 + i, message: 'x' })));
    // Rejected: 2 + 1, 2 + 1, 2 + 0 (the last call has 5,000 events: none from index 9,999).
    expect(result).toMatchObject({ calls: 3, rejected: 8, written: 25_000 - 8 });
  });
});
