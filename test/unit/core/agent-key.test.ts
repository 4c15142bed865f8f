import { parseAgentKeySecret, toAgentKeySecretName } from '../../../core/agent-key';

describe('agent key secrets', () => {
  it('names a cluster key secret under the kinsight prefix', () => {
    expect(toAgentKeySecretName('prod-eu')).toBe('kinsight/agent-key/prod-eu');
  });

  it('reads the key bytes of {"key": ...}', () => {
    const key = 'k'.repeat(64);
    expect(parseAgentKeySecret(JSON.stringify({ key }))).toEqual({ ok: true, value: Buffer.from(key) });
  });

  it('rejects a secret of the wrong shape without quoting its content', () => {
    const secret = 'not-json-but-maybe-a-secret-value';
    expect(parseAgentKeySecret(secret)).toEqual({ ok: false, error: `agent key secret is not JSON (${secret.length} characters); expected {"key":"<32+ characters>"}` });
    expect(parseAgentKeySecret(JSON.stringify({ key: 'short-secret' }))).toEqual({ ok: false, error: 'agent key secret\'s "key" member is 12 characters; expected a string of at least 32 characters' });
    expect(parseAgentKeySecret(JSON.stringify({ other: 'x'.repeat(40) }))).toEqual({ ok: false, error: 'agent key secret\'s "key" member is undefined; expected a string of at least 32 characters' });
    expect(parseAgentKeySecret(undefined)).toEqual({ ok: false, error: 'agent key secret has no SecretString (got undefined); expected {"key":"<32+ characters>"}' });
  });
});
