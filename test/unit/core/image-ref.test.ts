import { isPinnedImage } from '../../../core/image-ref';
import { DEPLOYED_AGENT_IMAGE } from '../../../core/node-runtime';

const DIGEST = 'sha256:8094c002d08262dba12645a3b4a15cd6cd627d30bc782f53229a2ec13ee22a00';

describe('isPinnedImage', () => {
  it.each([
    [`public.ecr.aws/docker/library/node:22-alpine@${DIGEST}`],
    [`node@${DIGEST}`],
    [`registry.example.com:5000/team/node:22@${DIGEST}`],
    [`node@sha512:${'a'.repeat(128)}`],
  ])('takes %s as pinned by its digest', (ref) => {
    expect(isPinnedImage(ref)).toBe(true);
  });

  it.each([
    ['a tag alone', 'public.ecr.aws/docker/library/node:22-alpine'],
    ['no tag', 'node'],
    ['a registry port and a tag', 'registry.example.com:5000/node:22'],
    ['a short digest', 'node@sha256:8094c002'],
    ['an upper-case digest', `node@${DIGEST.toUpperCase().replace('SHA256', 'sha256')}`],
    ['a digest that is not at the end', `node@${DIGEST}-extra`],
    ['a tag that looks like a digest', `node:sha256-${DIGEST.slice(7)}`],
  ])('rejects %s', (_name, ref) => {
    expect(isPinnedImage(ref)).toBe(false);
  });

  it('holds for the DaemonSet\'s default image', () => {
    expect(isPinnedImage(DEPLOYED_AGENT_IMAGE)).toBe(true);
  });
});
