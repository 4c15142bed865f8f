import { createRandom } from '../../sim/cluster/random';

/**
 * `count` pod labels of random hex, as incompressible as label text gets (keys of 52 bytes,
 * values of 63, the longest a label value may be): the labels of a pod that makes its node's
 * document larger than a DynamoDB item. The same seed gives the same labels.
 */
export function toRandomLabels(count: number, seed: number): Record<string, string> {
  const random = createRandom(seed);
  const labels: Record<string, string> = {};
  for (let i = 0; i < count; i += 1) labels[`example.com/${random.hex(40)}`] = random.hex(63);
  return labels;
}
