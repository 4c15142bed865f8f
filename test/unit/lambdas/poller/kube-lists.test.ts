import { listAll, MAX_LIST_RESTARTS, type ListPage, type PageReader } from '../../../../lambdas/poller/kube-lists';

const gone = Object.assign(new Error('HTTP-Code: 410'), { code: 410 });

/** A reader over `items` in pages, that fails the listed calls (by call number) with the given errors. */
function reader(items: number[], failures: Record<number, Error> = {}) {
  const calls: Array<{ limit: number; _continue?: string }> = [];
  const read: PageReader<number> = async (page) => {
    calls.push(page);
    const failure = failures[calls.length];
    if (failure) throw failure;
    const start = page._continue ? Number(page._continue) : 0;
    const end = start + page.limit;
    const out: ListPage<number> = { items: items.slice(start, end), metadata: end < items.length ? { _continue: String(end) } : {} };
    return out;
  };
  return { read, calls };
}

describe('listAll', () => {
  test('follows continue tokens until the last page and reduces every item', async () => {
    const { read, calls } = reader([1, 2, 3, 4, 5, 6, 7]);
    let pages = 0;
    const out = await listAll(read, (n) => n * 10, { what: 'numbers', limit: 3, onPage: () => (pages += 1) });
    expect(out).toEqual({ items: [10, 20, 30, 40, 50, 60, 70], complete: true });
    expect(calls).toEqual([{ limit: 3 }, { limit: 3, _continue: '3' }, { limit: 3, _continue: '6' }]);
    expect(pages).toBe(3);
  });

  test('restarts the whole list from the first page after 410 Gone, without duplicates', async () => {
    const { read, calls } = reader([1, 2, 3, 4, 5], { 2: gone });
    expect(await listAll(read, (n) => n, { what: 'numbers', limit: 2 })).toEqual({ items: [1, 2, 3, 4, 5], complete: true });
    expect(calls.map((c) => c._continue)).toEqual([undefined, '2', undefined, '2', '4']);
  });

  test(`fails with a TransientError after ${MAX_LIST_RESTARTS} restarts on repeated 410 Gone`, async () => {
    const failures = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [i * 2 + 2, gone]));
    const { read } = reader([1, 2, 3], failures);
    await expect(listAll(read, (n) => n, { what: 'pods', limit: 2 })).rejects.toThrow(/list of pods got 410 Gone 4 times/);
  });

  test('fails at once on any other error', async () => {
    const { read, calls } = reader([1, 2, 3], { 1: Object.assign(new Error('boom'), { code: 500 }) });
    await expect(listAll(read, (n) => n, { what: 'nodes' })).rejects.toMatchObject({ code: 500 });
    expect(calls).toHaveLength(1);
  });

  test('returns the pages read so far, marked incomplete, when the deadline aborts the request in flight', async () => {
    const deadline = new AbortController();
    const calls: Array<string | undefined> = [];
    const read: PageReader<number> = (page) => {
      calls.push(page._continue);
      if (page._continue === undefined) return Promise.resolve({ items: [1, 2], metadata: { _continue: '2' } });
      // The second page never comes: only the deadline ends the wait.
      return new Promise((_, reject) => page.signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))));
    };
    const listing = listAll(read, (n) => n * 10, { what: 'pods', limit: 2, deadline: deadline.signal });
    await new Promise((resolve) => setImmediate(resolve));
    deadline.abort();
    await expect(listing).resolves.toEqual({ items: [10, 20], complete: false });
    expect(calls).toEqual([undefined, '2']);
  });

  test('reads no further page once the deadline has passed', async () => {
    const deadline = new AbortController();
    const { read, calls } = reader([1, 2, 3, 4, 5]);
    const reading: PageReader<number> = async (page) => {
      const out = await read(page);
      deadline.abort();
      return out;
    };
    expect(await listAll(reading, (n) => n, { what: 'nodes', limit: 2, deadline: deadline.signal })).toEqual({ items: [1, 2], complete: false });
    expect(calls).toHaveLength(1);
  });

  test('still fails when the poll failed, even after the deadline', async () => {
    const deadline = new AbortController();
    const failed = new AbortController();
    const read: PageReader<number> = async () => {
      deadline.abort();
      failed.abort();
      throw Object.assign(new Error('boom'), { code: 500 });
    };
    await expect(listAll(read, (n) => n, { what: 'nodes', deadline: deadline.signal, signal: failed.signal })).rejects.toMatchObject({ code: 500 });
  });
});
