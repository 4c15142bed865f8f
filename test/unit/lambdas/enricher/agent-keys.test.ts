import type { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { createAgentKeyStore } from '../../../../lambdas/enricher/agent-keys';

const KEY = (c: string) => JSON.stringify({ key: c.repeat(64) });

/** A fake Secrets Manager: secrets by name, each with its AWSCURRENT and (optionally) AWSPREVIOUS version. */
function fakeSecrets(secrets: Record<string, { current: [string, string]; previous?: [string, string] }>) {
  const calls: string[] = [];
  let failures = 0;
  return {
    calls,
    secrets,
    /** The next `n` calls fail with a throttling error. */
    throttle: (n: number) => void (failures = n),
    send: async (command: GetSecretValueCommand) => {
      const { SecretId, VersionStage } = command.input;
      calls.push(`${SecretId}@${VersionStage}`);
      if (failures > 0) {
        failures -= 1;
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      }
      const secret = secrets[SecretId as string];
      const version = VersionStage === 'AWSPREVIOUS' ? secret?.previous : secret?.current;
      if (!version) throw Object.assign(new Error("Secrets Manager can't find the specified secret."), { name: 'ResourceNotFoundException' });
      return { VersionId: version[0], SecretString: version[1] };
    },
  };
}

describe('agent key store', () => {
  it('holds the current and previous keys of a cluster, read once per batch, and answers by key id', async () => {
    const client = fakeSecrets({ 'kinsight/agent-key/a': { current: ['v2', KEY('a')], previous: ['v1', KEY('o')] } });
    const store = createAgentKeyStore({ client: client as never, now: () => 0 });
    expect(await store.load([{ cluster: 'a', keyId: 'v2' }, { cluster: 'a', keyId: 'v1' }])).toEqual(new Set());
    expect(Buffer.from(store.keyOf('a', 'v2') ?? []).toString()).toBe('a'.repeat(64));
    expect(Buffer.from(store.keyOf('a', 'v1') ?? []).toString()).toBe('o'.repeat(64));
    expect(store.keyOf('a', 'v0')).toBeUndefined();
    expect(client.calls).toEqual(['kinsight/agent-key/a@AWSCURRENT', 'kinsight/agent-key/a@AWSPREVIOUS']);
  });

  it('holds at most maxClusters clusters: the least recently used is forgotten and read again when a record names it', async () => {
    const client = fakeSecrets({
      'kinsight/agent-key/a': { current: ['va', KEY('a')] },
      'kinsight/agent-key/b': { current: ['vb', KEY('b')] },
      'kinsight/agent-key/c': { current: ['vc', KEY('c')] },
    });
    const store = createAgentKeyStore({ client: client as never, now: () => 0, maxClusters: 2 });
    await store.load([{ cluster: 'a', keyId: 'va' }, { cluster: 'b', keyId: 'vb' }]);
    expect(store.keyOf('a', 'va')).toBeDefined(); // a is now the more recently used
    await store.load([{ cluster: 'c', keyId: 'vc' }]);
    expect([store.keyOf('a', 'va') !== undefined, store.keyOf('b', 'vb') !== undefined, store.keyOf('c', 'vc') !== undefined]).toEqual([true, false, true]);
    client.calls.length = 0;
    await store.load([{ cluster: 'b', keyId: 'vb' }]);
    expect(client.calls).toEqual(['kinsight/agent-key/b@AWSCURRENT', 'kinsight/agent-key/b@AWSPREVIOUS']);
    expect(Buffer.from(store.keyOf('b', 'vb') ?? []).toString()).toBe('b'.repeat(64));
  });

  it('costs one lookup per minute for a cluster without a secret, however many records name it', async () => {
    const client = fakeSecrets({});
    let now = 0;
    const store = createAgentKeyStore({ client: client as never, now: () => now });
    for (let i = 0; i < 100; i++) {
      await store.load(Array.from({ length: 50 }, (_, k) => ({ cluster: 'payments', keyId: `forged-${k}` })));
      now += 1_000;
    }
    // 100 batches over 100 seconds: read at 0 s and 60 s, each time AWSCURRENT and AWSPREVIOUS.
    expect(client.calls.filter((c) => c.endsWith('@AWSCURRENT'))).toHaveLength(2);
    expect(store.keyOf('payments', 'forged-0')).toBeUndefined();
  });

  it('re-reads a cluster for an unknown key id at most once a minute, so a rotation is picked up', async () => {
    const client = fakeSecrets({ 'kinsight/agent-key/a': { current: ['v1', KEY('a')] } });
    let now = 0;
    const store = createAgentKeyStore({ client: client as never, now: () => now });
    await store.load([{ cluster: 'a', keyId: 'v1' }]);
    client.secrets['kinsight/agent-key/a'] = { current: ['v2', KEY('b')], previous: ['v1', KEY('a')] };
    now = 30_000;
    await store.load([{ cluster: 'a', keyId: 'v2' }]);
    expect(store.keyOf('a', 'v2')).toBeUndefined();
    now = 61_000;
    await store.load([{ cluster: 'a', keyId: 'v2' }]);
    expect(Buffer.from(store.keyOf('a', 'v2') ?? []).toString()).toBe('b'.repeat(64));
    expect(store.keyOf('a', 'v1')).toBeDefined();
    expect(client.calls.filter((c) => c.endsWith('@AWSCURRENT'))).toHaveLength(2);
  });

  it('retries throttling, and reports a cluster still failing as unavailable (not as without keys)', async () => {
    const client = fakeSecrets({ 'kinsight/agent-key/a': { current: ['v1', KEY('a')] } });
    const store = createAgentKeyStore({ client: client as never, now: () => 0, sleep: async () => undefined, maxRetries: 2 });
    client.throttle(2);
    expect(await store.load([{ cluster: 'a', keyId: 'v1' }])).toEqual(new Set());
    expect(store.keyOf('a', 'v1')).toBeDefined();
    const other = createAgentKeyStore({ client: client as never, now: () => 0, sleep: async () => undefined, maxRetries: 1 });
    client.throttle(10);
    expect(await other.load([{ cluster: 'a', keyId: 'v1' }])).toEqual(new Set(['a']));
  });

  it('never looks up a name that is not a cluster name EKS allows, and treats a secret of the wrong shape as no key', async () => {
    const client = fakeSecrets({ 'kinsight/agent-key/b': { current: ['v1', '{"key":"short"}'] } });
    const reasons: string[] = [];
    const store = createAgentKeyStore({ client: client as never, now: () => 0, onError: (_c, reason) => void reasons.push(reason) });
    await store.load([{ cluster: '../../etc', keyId: 'x' }, { cluster: 'b', keyId: 'v1' }]);
    expect(client.calls.every((c) => c.startsWith('kinsight/agent-key/b@'))).toBe(true);
    expect(store.keyOf('b', 'v1')).toBeUndefined();
    expect(reasons[0]).toMatch(/AWSCURRENT: agent key secret's "key" member is 5 characters/);
    expect(reasons.join(' ')).not.toMatch(/short/);
  });
});
