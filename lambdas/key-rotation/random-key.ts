import { randomInt } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A new agent key: `length` letters and digits, each drawn uniformly (node:crypto's randomInt
 * rejects biased draws), the same alphabet as the key CloudFormation generates at creation.
 */
export function toRandomAgentKey(length = 64, draw: (max: number) => number = randomInt): string {
  let key = '';
  for (let i = 0; i < length; i += 1) key += ALPHABET[draw(ALPHABET.length)];
  return key;
}
