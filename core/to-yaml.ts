/**
 * A JSON-compatible value: what a Kubernetes object is once built in code.
 */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue | undefined };

// YAML 1.1 resolves these plain words to booleans or null; kubectl's parser is YAML 1.1-ish, so they get quotes.
const RESERVED_WORDS = new Set(['y', 'yes', 'n', 'no', 'true', 'false', 'on', 'off', 'null', '~']);
// Conservative: letters, digits and a few punctuation marks that have no meaning at the start or inside a plain scalar.
const PLAIN_SCALAR = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;
// What a literal block scalar can carry unchanged: printable characters, tab and line feed.
const LITERAL_SAFE = /^[\t\n\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]*$/u;

function isPlain(text: string): boolean {
  return PLAIN_SCALAR.test(text) && !RESERVED_WORDS.has(text.toLowerCase()) && !/^[0-9.+-]/.test(text);
}

// A JSON string escape is a YAML double-quoted escape, except that YAML has no surrogate pairs and
// YAML 1.1 treats U+0085, U+2028 and U+2029 as line breaks: escape everything outside printable ASCII.
function toDoubleQuoted(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (char === '"') out += '\\"';
    else if (char === '\\') out += '\\\\';
    else if (char === '\n') out += '\\n';
    else if (char === '\t') out += '\\t';
    else if (code >= 0x20 && code <= 0x7e) out += char;
    else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

function canBeLiteral(text: string): boolean {
  if (!text.includes('\n') || !LITERAL_SAFE.test(text)) return false;
  const lines = text.split('\n');
  // A leading space would need an indentation indicator; a line of only blanks would lose its blanks.
  if (/^[ \t]/.test(lines[0])) return false;
  return lines.every((line) => line === '' || /\S/.test(line));
}

function toScalar(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`toYaml: the number ${value} has no JSON form; expected a finite number`);
    return String(value);
  }
  return isPlain(value) ? value : toDoubleQuoted(value);
}

function toLiteral(text: string, indent: string): string {
  const trailing = /\n*$/.exec(text)?.[0].length ?? 0;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  const body = trailing === 0 ? text : text.slice(0, text.length - 1);
  const lines = body.split('\n').map((line) => (line === '' ? '' : `${indent}${line}`));
  return `|${chomp}\n${lines.join('\n')}`;
}

function isEmptyCollection(value: JsonValue): boolean {
  return typeof value === 'object' && value !== null && (Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0);
}

function toInline(value: JsonValue, indent: string): string {
  if (Array.isArray(value)) return '[]';
  if (typeof value === 'object' && value !== null) return '{}';
  if (typeof value === 'string' && canBeLiteral(value)) return toLiteral(value, indent);
  return toScalar(value as string | number | boolean | null);
}

function toBlock(value: JsonValue, indent: string): string[] {
  if (Array.isArray(value)) {
    return value.flatMap((item: JsonValue) => {
      if (typeof item === 'object' && item !== null && !isEmptyCollection(item)) {
        const [first, ...rest] = toBlock(item, `${indent}  `);
        return [`${indent}- ${first.trimStart()}`, ...rest];
      }
      return [`${indent}- ${toInline(item, `${indent}  `)}`];
    });
  }
  const entries = Object.entries(value as Record<string, JsonValue | undefined>).filter(
    (entry): entry is [string, JsonValue] => entry[1] !== undefined,
  );
  return entries.flatMap(([key, item]) => {
    const name = toScalar(key);
    if (typeof item === 'object' && item !== null && !isEmptyCollection(item)) {
      // Block sequences under a key stay at the key's indentation, as kubectl prints them.
      const childIndent = Array.isArray(item) ? indent : `${indent}  `;
      return [`${indent}${name}:`, ...toBlock(item, childIndent)];
    }
    return [`${indent}${name}: ${toInline(item, `${indent}  `)}`];
  });
}

/**
 * Renders a JSON-compatible value (a Kubernetes object, typically) as one YAML document in block style.
 * Strings are plain only when unambiguous, else double-quoted; multi-line strings (a script in a
 * ConfigMap) become literal blocks when that keeps them byte-exact. Object keys whose value is
 * `undefined` are left out, as JSON.stringify does.
 */
export function toYaml(value: JsonValue): string {
  if (typeof value !== 'object' || value === null || isEmptyCollection(value)) return `${toInline(value, '  ')}\n`;
  return `${toBlock(value, '').join('\n')}\n`;
}
