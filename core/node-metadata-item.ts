import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { err, ok, type Result } from './result';
import { NODE_METADATA_VERSION, toNodeKey, type NodeMetadata } from './node-metadata';

/**
 * How a node metadata document is stored in the DynamoDB table: one item per node.
 * `doc` is the gzip-compressed JSON document (documents of nodes with 110 pods reach tens of KB;
 * compressed they stay far below the 400 KB item limit; the poller cuts the rare larger ones to fit,
 * measuring them with {@link toItemSizeBytes}), `hash` its content hash (what the poller compares to
 * skip unchanged writes), `ttl` the expiry in epoch seconds (DynamoDB TTL; readers ignore expired
 * items themselves because deletion by TTL is lazy).
 */
export interface NodeMetadataItem {
  pk: string;
  doc: Uint8Array;
  hash: string;
  ttl: number;
  observedAtMs: number;
}

/** The table's partition key attribute. */
export const METADATA_TABLE_KEY = 'pk';

/** The content hash of a document: it ignores `observedAtMs`, so an unchanged node hashes the same minute after minute. */
export function toContentHash(doc: NodeMetadata): string {
  const { observedAtMs: _ignored, ...content } = doc;
  return createHash('sha256').update(JSON.stringify(content)).digest('base64url').slice(0, 22);
}

/** Encodes a document as a table item that expires `ttlSeconds` after `nowMs`. */
export function toMetadataItem(doc: NodeMetadata, nowMs: number, ttlSeconds: number): NodeMetadataItem {
  return toMetadataItemOfJson(doc, JSON.stringify(doc), toContentHash(doc), nowMs, ttlSeconds);
}

/** Encodes a document whose JSON (`JSON.stringify(doc)`) and hash the caller already has. */
export function toMetadataItemOfJson(doc: NodeMetadata, json: string, hash: string, nowMs: number, ttlSeconds: number): NodeMetadataItem {
  return { pk: toNodeKey(doc.cluster, doc.node), doc: gzipSync(json), hash, ttl: Math.floor(nowMs / 1000) + ttlSeconds, observedAtMs: doc.observedAtMs };
}

/** Bytes DynamoDB counts for a number: 1 per two significant digits, plus 1, plus 1 for a negative sign (an upper bound). */
function toNumberSizeBytes(value: number): number {
  const digits = Math.abs(value)
    .toExponential()
    .replace(/e.*$/, '')
    .replace('.', '').length;
  return 2 + Math.ceil(digits / 2) + (value < 0 ? 1 : 0);
}

/**
 * The size DynamoDB counts for an item (what its 400 KB limit applies to): each attribute's name
 * (UTF-8 bytes) plus its value: a string's UTF-8 bytes, a binary's bytes, a number's digits.
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
 */
export function toItemSizeBytes(item: object): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    size += Buffer.byteLength(name);
    if (typeof value === 'string') size += Buffer.byteLength(value);
    else if (typeof value === 'number') size += toNumberSizeBytes(value);
    else if (value instanceof Uint8Array) size += value.byteLength;
    else throw new TypeError(`item attribute ${name} is a ${typeof value}; expected a string, a number or binary (the attributes of a metadata item)`);
  }
  return size;
}

/** Decodes a table item; an expired item, a corrupt payload or an unknown version is an error, not an exception. */
export function parseMetadataItem(item: Record<string, unknown>, nowMs: number): Result<NodeMetadata> {
  if (typeof item.ttl === 'number' && item.ttl * 1000 <= nowMs) return err(`metadata item ${String(item.pk)} expired at ${item.ttl}`);
  if (!(item.doc instanceof Uint8Array)) return err(`metadata item ${String(item.pk)} has no binary doc attribute`);
  let doc: unknown;
  try {
    doc = JSON.parse(gunzipSync(item.doc).toString('utf8'));
  } catch (error) {
    return err(`metadata item ${String(item.pk)} is not gzip-compressed JSON: ${(error as Error).message}`);
  }
  const version = (doc as { version?: unknown } | null)?.version;
  if (version !== NODE_METADATA_VERSION) return err(`metadata item ${String(item.pk)} has version ${String(version)}; expected ${NODE_METADATA_VERSION}`);
  return ok(doc as NodeMetadata);
}
