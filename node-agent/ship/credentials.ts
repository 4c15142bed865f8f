import { readFile } from 'node:fs/promises';
import { ConfigError, TransientError, toSnippet } from '../../core/errors';
import { nonEmpty } from '../agent-config';
import { toAwsEndpoint } from './aws-endpoint';
import { sendHttpRequest, type HttpResponse } from './http-request';
import type { SigV4Credentials } from './sigv4';

/** Credentials with the time they stop working (none for long-term keys). */
export interface AwsCredentials extends SigV4Credentials {
  readonly expiresAtMs?: number;
}

/** Where the credentials come from, in the order they are looked for (the SDKs' order, without the EC2 instance metadata service). */
export type CredentialSourceName = 'environment' | 'web-identity' | 'pod-identity';

/** Gives valid credentials, refreshing them before they expire. */
export interface CredentialProvider {
  /** The source found in the environment; undefined when none is configured (then `get` rejects). */
  readonly source: CredentialSourceName | undefined;
  get(): Promise<AwsCredentials>;
  /** Asks the source again whatever the cache holds (a service said the session token expired); concurrent callers share the request. */
  refresh(): Promise<AwsCredentials>;
}

/** What the provider reads and needs. */
export interface CredentialProviderOptions {
  /** The process environment (AWS_* variables). */
  readonly env: NodeJS.ProcessEnv;
  /** Region of the STS endpoint for IRSA. */
  readonly region: string;
  /** The node name, for the default IRSA session name `kinsight-agent-<node>`. */
  readonly node: string;
  /** Wall clock in milliseconds. @default Date.now */
  readonly now?: () => number;
  /** Credentials are refreshed this long before they expire. @default 300000 (5 minutes, as the SDKs do) */
  readonly refreshMarginMs?: number;
  /** Time for one credential request. @default 10000 */
  readonly timeoutMs?: number;
}

/** The message when no source is configured: names every variable looked at. */
export const NO_CREDENTIALS_MESSAGE =
  'no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN (IRSA), or AWS_CONTAINER_CREDENTIALS_FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or AWS_CONTAINER_AUTHORIZATION_TOKEN (EKS Pod Identity); the EC2 instance metadata service is never used';

/** Hosts a credentials endpoint may be reached on over plain http (the SDKs allow the same): loopback and the ECS / EKS Pod Identity agents. */
const PLAIN_HTTP_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '169.254.170.2', '169.254.170.23', '[fd00:ec2::23]']);


const decodeXml = (text: string): string =>
  text.replace(/&(lt|gt|quot|apos|amp);/g, (_m, name: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[name] ?? '');

const xmlTag = (xml: string, name: string): string | undefined => {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return m ? decodeXml(m[1]).trim() : undefined;
};

function toExpiresAtMs(text: unknown, what: string): number {
  const ms = typeof text === 'string' ? Date.parse(text) : NaN;
  // A date is no secret, but a field that is not one may be anything: its size only.
  if (Number.isNaN(ms)) throw new TransientError(`${what} returned an Expiration that is not a date (${typeof text === 'string' ? `${text.length} characters` : typeof text})`);
  return ms;
}

/**
 * A credentials answer, described without a byte of it: status, size and content type. Its body
 * holds a secret key when it succeeds, and a truncated one is still part of a key.
 */
const describeAnswer = (res: HttpResponse): string => {
  const type = res.headers['content-type'];
  return `HTTP ${res.status}, ${Buffer.byteLength(res.body)} bytes, content-type ${(Array.isArray(type) ? type[0] : type) ?? 'none'}`;
};

/** An STS error code (`InvalidIdentityToken`): an identifier, so safe to log; anything else is left out. */
const toStsErrorCode = (xml: string): string | undefined => {
  const code = xmlTag(xml, 'Code');
  return code !== undefined && /^[A-Za-z.]{1,64}$/.test(code) ? code : undefined;
};

type LoadCredentials = () => Promise<AwsCredentials>;

function fromEnvironment(env: NodeJS.ProcessEnv): LoadCredentials | undefined {
  const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  if (!accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = nonEmpty(env.AWS_SESSION_TOKEN);
  const credentials: AwsCredentials = { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  return async () => credentials;
}

function fromWebIdentity(options: CredentialProviderOptions): LoadCredentials | undefined {
  const { env } = options;
  const tokenFile = nonEmpty(env.AWS_WEB_IDENTITY_TOKEN_FILE);
  if (!tokenFile) return undefined;
  const roleArn = nonEmpty(env.AWS_ROLE_ARN);
  if (!roleArn) throw new ConfigError(`AWS_WEB_IDENTITY_TOKEN_FILE is set (${toSnippet(tokenFile)}) but AWS_ROLE_ARN is not; set the role of the service account (IRSA annotation eks.amazonaws.com/role-arn)`);
  const sessionName = nonEmpty(env.AWS_ROLE_SESSION_NAME) ?? `kinsight-agent-${options.node}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
  const endpoint = nonEmpty(env.AWS_ENDPOINT_URL_STS) ?? toAwsEndpoint('sts', options.region);
  const what = `STS AssumeRoleWithWebIdentity (${endpoint}, role ${roleArn})`;
  return async () => {
    const token = (await readFile(tokenFile, 'utf8').catch((error: unknown) => {
      throw new TransientError(`cannot read the web identity token file ${tokenFile} (${String((error as { code?: unknown })?.code ?? error)}); is the service account token projected?`, { cause: error });
    })).trim();
    const body = new URLSearchParams({ Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: roleArn, RoleSessionName: sessionName, WebIdentityToken: token }).toString();
    const res = await sendHttpRequest({
      method: 'POST',
      url: new URL('/', endpoint),
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) },
      body,
      timeoutMs: options.timeoutMs,
    }).catch((error: unknown) => {
      throw new TransientError(`${what} failed: ${(error as Error).message}`, { cause: error });
    });
    if (res.status !== 200) {
      const code = toStsErrorCode(res.body);
      throw new TransientError(`${what} failed: ${code ? `${code} (${describeAnswer(res)})` : describeAnswer(res)}`);
    }
    const accessKeyId = xmlTag(res.body, 'AccessKeyId');
    const secretAccessKey = xmlTag(res.body, 'SecretAccessKey');
    const sessionToken = xmlTag(res.body, 'SessionToken');
    if (!accessKeyId || !secretAccessKey || !sessionToken) throw new TransientError(`${what} returned no complete Credentials (${describeAnswer(res)})`);
    return { accessKeyId, secretAccessKey, sessionToken, expiresAtMs: toExpiresAtMs(xmlTag(res.body, 'Expiration'), what) };
  };
}

function fromPodIdentity(options: CredentialProviderOptions): LoadCredentials | undefined {
  const { env } = options;
  const uri = nonEmpty(env.AWS_CONTAINER_CREDENTIALS_FULL_URI);
  if (!uri) return undefined;
  const url = URL.canParse(uri) ? new URL(uri) : undefined;
  if (!url || (url.protocol !== 'https:' && !(url.protocol === 'http:' && PLAIN_HTTP_HOSTS.has(url.hostname)))) {
    throw new ConfigError(`AWS_CONTAINER_CREDENTIALS_FULL_URI "${toSnippet(uri)}" is not an https URL or an http URL on loopback or the EKS Pod Identity agent (169.254.170.23)`);
  }
  const tokenFile = nonEmpty(env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE);
  const fixedToken = nonEmpty(env.AWS_CONTAINER_AUTHORIZATION_TOKEN);
  const what = `the container credentials endpoint ${url.origin}${url.pathname}`;
  return async () => {
    // The Pod Identity token is rotated in its file: read it for every refresh.
    const token = tokenFile
      ? (await readFile(tokenFile, 'utf8').catch((error: unknown) => {
          throw new TransientError(`cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE ${tokenFile} (${String((error as { code?: unknown })?.code ?? error)})`, { cause: error });
        })).trim()
      : fixedToken;
    const res = await sendHttpRequest({ method: 'GET', url, headers: token ? { authorization: token } : {}, timeoutMs: options.timeoutMs }).catch((error: unknown) => {
      throw new TransientError(`${what} failed: ${(error as Error).message}`, { cause: error });
    });
    if (res.status !== 200) throw new TransientError(`${what} failed: ${describeAnswer(res)}`);
    let parsed: { AccessKeyId?: unknown; SecretAccessKey?: unknown; Token?: unknown; Expiration?: unknown } | null;
    try {
      parsed = JSON.parse(res.body) as typeof parsed;
    } catch {
      // The parser's message quotes the text around the error: it stays out of the log too.
      throw new TransientError(`${what} returned a body that is not JSON (${describeAnswer(res)})`);
    }
    const { AccessKeyId: accessKeyId, SecretAccessKey: secretAccessKey, Token: sessionToken } = parsed ?? {};
    if (typeof accessKeyId !== 'string' || typeof secretAccessKey !== 'string' || !accessKeyId || !secretAccessKey) {
      throw new TransientError(`${what} returned no AccessKeyId and SecretAccessKey (${describeAnswer(res)})`);
    }
    return {
      accessKeyId,
      secretAccessKey,
      ...(typeof sessionToken === 'string' && sessionToken ? { sessionToken } : {}),
      ...(parsed?.Expiration !== undefined ? { expiresAtMs: toExpiresAtMs(parsed.Expiration, what) } : {}),
    };
  };
}

/**
 * The agent's credential chain: environment keys, then IRSA (STS AssumeRoleWithWebIdentity), then
 * EKS Pod Identity (the container credentials endpoint), chosen once from the environment. The
 * EC2 instance metadata service is never contacted: a node role would give every pod the node's
 * permissions. Credentials are cached and refreshed `refreshMarginMs` before they expire;
 * concurrent callers share one refresh; while a refresh fails, the cached credentials serve until
 * they expire. No error message quotes a credentials answer (status, size and content type only).
 * Throws a ConfigError for a source configured badly.
 */
export function createCredentialProvider(options: CredentialProviderOptions): CredentialProvider {
  const now = options.now ?? Date.now;
  const marginMs = options.refreshMarginMs ?? 5 * 60_000;
  const sources: [CredentialSourceName, LoadCredentials | undefined][] = [
    ['environment', fromEnvironment(options.env)],
    ['web-identity', fromWebIdentity(options)],
    ['pod-identity', fromPodIdentity(options)],
  ];
  const found = sources.find(([, load]) => load !== undefined);
  const load: LoadCredentials = found?.[1] ?? (async () => Promise.reject(new ConfigError(NO_CREDENTIALS_MESSAGE)));
  let cached: AwsCredentials | undefined;
  let refreshing: Promise<AwsCredentials> | undefined;
  const refresh = (): Promise<AwsCredentials> =>
    (refreshing ??= load()
      .then((credentials) => (cached = credentials))
      .finally(() => {
        refreshing = undefined;
      }));
  return {
    source: found?.[0],
    refresh,
    async get() {
      if (cached && (cached.expiresAtMs === undefined || now() < cached.expiresAtMs - marginMs)) return cached;
      try {
        return await refresh();
      } catch (error) {
        // An early refresh that failed leaves the cached credentials good until they expire: use
        // them, and try again on the next call.
        if (cached?.expiresAtMs !== undefined && now() < cached.expiresAtMs) return cached;
        throw error;
      }
    },
  };
}
