/**
 * A construct id from a cluster name: letters and digits only, each word capitalised
 * (`prod-eu_1` -> `ProdEu1`), plus a short hash of the name so that `a-b` and `a_b` never collide.
 */
export function toConstructId(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
  let hash = 0;
  for (const char of name) hash = (hash * 31 + (char.codePointAt(0) as number)) >>> 0;
  return `${words.map((w) => w[0].toUpperCase() + w.slice(1)).join('')}${hash.toString(36).slice(0, 4)}`;
}
