import { createHash, createHmac } from 'node:crypto';

/** The credentials a request is signed with. */
export interface SigV4Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Present for temporary credentials (Pod Identity, IRSA); sent as `x-amz-security-token`. */
  readonly sessionToken?: string;
}

/** The parts of an HTTP request that the signature covers. */
export interface SigV4Request {
  readonly method: string;
  /** Host header value: the endpoint's host name, with `:port` when the port is not the scheme's default. */
  readonly host: string;
  /** The path as sent on the wire (already URI-encoded), without a query string. */
  readonly path: string;
  /** Query parameters, unencoded. @default none */
  readonly query?: Readonly<Record<string, string>>;
  /** Headers to sign. Every header given is signed: add unsigned ones (content-length, user-agent) after signing. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array;
}

/** Who signs, for which region and service, at which time. */
export interface SigV4Scope {
  readonly credentials: SigV4Credentials;
  readonly region: string;
  readonly service: string;
  readonly date: Date;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';

const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters, upper-case hex. */
const encodeRfc3986 = (text: string): string => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** `20261129T181249Z` */
const toAmzDate = (date: Date): string => date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/**
 * Canonical URI of a non-S3 service: `.` and `..` segments resolved, empty segments dropped, and
 * the wire path encoded once more (each segment; slashes kept).
 */
function toCanonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && path.endsWith('/') ? '/' : '';
  return `/${segments.map(encodeRfc3986).join('/')}${trailing}`;
}

const toCanonicalQuery = (query: Readonly<Record<string, string>> = {}): string =>
  Object.entries(query)
    .map(([k, v]) => [encodeRfc3986(k), encodeRfc3986(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');

/**
 * Signs a request with AWS Signature Version 4 (header form, signed payload). Returns the headers
 * to send: the given ones (names lower-cased) plus `host`, `x-amz-date`, `x-amz-security-token`
 * (temporary credentials only) and `authorization`. Pure: the time comes from `scope.date`.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 */
export function signRequest(request: SigV4Request, scope: SigV4Scope): Record<string, string> {
  const amzDate = toAmzDate(scope.date);
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  headers.host = request.host;
  headers['x-amz-date'] = amzDate;
  if (scope.credentials.sessionToken) headers['x-amz-security-token'] = scope.credentials.sessionToken;
  const names = Object.keys(headers).sort();
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    request.method,
    toCanonicalPath(request.path),
    toCanonicalQuery(request.query),
    ...names.map((name) => `${name}:${headers[name].trim().replace(/\s+/g, ' ')}`),
    '',
    signedHeaders,
    sha256Hex(request.body),
  ].join('\n');
  const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, credentialScope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${scope.credentials.secretAccessKey}`, day), scope.region), scope.service), 'aws4_request');
  const signature = createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
  headers.authorization = `${ALGORITHM} Credential=${scope.credentials.accessKeyId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}
