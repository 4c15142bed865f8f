/**
 * The two kinds of randomness of the simulation, both reproducible:
 *
 * - {@link createRandom}: a seeded sequence (mulberry32) for what happens in turn (a step of the
 *   cluster, a host's random walk); its `state` is carried in a pure step's input and output.
 * - {@link toHashHex}, {@link toUid}, {@link toNameSuffix}: values hashed from a text (FNV-1a, then
 *   xorshift32), so the object at an index is the same whichever order objects are made in. Not
 *   cryptographic, and ten times cheaper than node:crypto per call, which matters when 150,000
 *   pods are made for one poll.
 */

/** A seeded generator. */
export interface Random {
  /** A float in [0, 1). */
  float(): number;
  /** An integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  /** `chars` lowercase hex digits. */
  hex(chars: number): string;
  /** A value that wanders around `base` by up to +-`spread` (a fraction of it). */
  around(base: number, spread: number): number;
  /** The generator's state: `createRandom(state)` continues the sequence. */
  readonly state: number;
}

/** A mulberry32 generator from `seed` (any integer; taken modulo 2^32). */
export function createRandom(seed: number): Random {
  return new Mulberry32(seed >>> 0);
}

// A class, not a closure: a pod of the model makes one, and 150,000 pods are made for one poll.
class Mulberry32 implements Random {
  constructor(private a: number) {}

  get state(): number {
    return this.a;
  }

  float(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(maxExclusive: number): number {
    return Math.floor(this.float() * maxExclusive);
  }

  hex(chars: number): string {
    let out = '';
    while (out.length < chars) out += this.int(0x10000).toString(16).padStart(4, '0');
    return out.slice(0, chars);
  }

  around(base: number, spread: number): number {
    return base * (1 + (this.float() * 2 - 1) * spread);
  }
}

/** FNV-1a of a text: the seed of the hashed values. */
export const toTextHash = (text: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
};

const xorshift = (x: number): number => {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return x >>> 0;
};

/** `chars` hex digits hashed from `text`. */
export function toHashHex(text: string, chars: number): string {
  let x = toTextHash(text) || 0x9e3779b9;
  let out = '';
  while (out.length < chars) {
    x = xorshift(x);
    out += x.toString(16).padStart(8, '0');
  }
  return out.length === chars ? out : out.slice(0, chars);
}

/** A Kubernetes UID (version 4 form) hashed from `text`. */
export function toUid(text: string): string {
  const h = toHashHex(text, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The alphabet of generated Kubernetes name suffixes (no vowels, no 0, 1, 3). */
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** A generated-name suffix (`5d8f7c9b4f`, `x2k9c`) hashed from `text`, as controllers make them. */
export function toNameSuffix(text: string, chars: number): string {
  let x = toTextHash(text) || 0x9e3779b9;
  let out = '';
  while (out.length < chars) {
    x = xorshift(x);
    for (let w = x, k = 0; k < 4 && out.length < chars; k += 1, w >>>= 8) out += NAME_ALPHABET[(w & 0xff) % NAME_ALPHABET.length];
  }
  return out;
}
