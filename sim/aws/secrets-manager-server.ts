import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/**
 * A local AWS Secrets Manager endpoint speaking the service's wire protocol, for the agent's
 * signing-key tests and `kinsight local` (its agents' key, read by its enricher too): JSON 1.1 (`X-Amz-Target: secretsmanager.<Op>`, `application/x-amz-json-1.1`),
 * every request authenticated as the service does it (Signature Version 4 checked with the AWS SDK's
 * own signer against the principals it knows, the X-Amz-Date within 5 minutes of its clock, session
 * tokens that can expire), errors as `{"__type","Message"}` with HTTP 400 (500 for InternalServiceError)
 * and a `Date` header from its clock.
 *
 * GetSecretValue answers by name or ARN, with `VersionId` and/or `VersionStage` (default
 * AWSCURRENT). `rotate` does what a rotation does: the new version takes AWSCURRENT, the old current
 * one keeps AWSPREVIOUS, the version before loses its labels. `failNext` makes the next calls answer
 * a given error; a principal's `secrets` plays its IAM policy (AccessDeniedException elsewhere).
 *
 * @example
 * const sm = await startSecretsManagerServer({ principals: [{ accessKeyId: 'AKIDA', secretAccessKey: 's', secrets: ['kinsight/prod'] }] });
 * const { versionId } = sm.createSecret('kinsight/prod', JSON.stringify({ key: 'k'.repeat(64) }));
 * ...
 * await sm.close();
 */

/** Who may call, and what they may read. */
export interface SecretsManagerPrincipal {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Required on the request when set (temporary credentials). */
  readonly sessionToken?: string;
  /** Names of the secrets GetSecretValue may read (its identity policy). @default every secret */
  readonly secrets?: readonly string[];
  /** Shown in AccessDeniedException. @default arn:aws:sts::<account>:assumed-role/kinsight-agent/<accessKeyId> */
  readonly arn?: string;
}

/** Options of {@link startSecretsManagerServer}. */
export interface SecretsManagerServerOptions {
  /** Port on 127.0.0.1. @default 0 (a free port) */
  readonly port?: number;
  /** The region requests must be signed for. @default 'us-east-1' */
  readonly region?: string;
  /** @default '000000000000' */
  readonly accountId?: string;
  /** The service's clock, epoch ms (X-Amz-Date is checked against it; `Date` answers it). @default Date.now */
  readonly now?: () => number;
  /**
   * The principals whose signatures verify. @default none: any well-formed signature is accepted
   * (the Authorization header must still be there and the date within the window)
   */
  readonly principals?: readonly SecretsManagerPrincipal[];
  /** Serve HTTPS with this certificate (PEM) and key, as the service does. @default plain http */
  readonly tls?: { readonly cert: string; readonly key: string };
}

/** One request the server answered. */
export interface SecretsManagerRequest {
  /** Operation from X-Amz-Target (`GetSecretValue`). */
  readonly operation: string;
  /** The parsed JSON body (`{}` when it was not JSON). */
  readonly input: Record<string, unknown>;
  /** Access key id of the Authorization header. */
  readonly accessKeyId?: string;
  readonly status: number;
  /** The error type answered, if any. */
  readonly error?: string;
}

/** An error answer. */
export interface SecretsManagerError {
  /** @default 400 */
  readonly status?: number;
  readonly type: string;
  readonly message: string;
}

/** A running local Secrets Manager. */
export interface LocalSecretsManager {
  /** `http://127.0.0.1:<port>` (`https://` with `tls`) */
  readonly endpoint: string;
  readonly region: string;
  /** Every request answered, in order. */
  readonly requests: SecretsManagerRequest[];
  /** Creates a secret with a first version labelled AWSCURRENT. */
  createSecret(name: string, secretString: string): { arn: string; versionId: string };
  /** Adds a version labelled AWSCURRENT; the previous AWSCURRENT becomes AWSPREVIOUS. Returns the new VersionId. */
  rotate(name: string, secretString: string): string;
  /** The next `count` requests (any operation) are answered with `error`. */
  failNext(error: SecretsManagerError, count?: number): void;
  /** Requests signed with this session token are answered ExpiredTokenException from now on. */
  expireSessionToken(sessionToken: string): void;
  close(): Promise<void>;
}

interface SecretVersion {
  readonly versionId: string;
  readonly secretString: string;
  readonly createdMs: number;
  stages: string[];
}

interface Secret {
  readonly name: string;
  readonly arn: string;
  readonly versions: SecretVersion[];
}

const TARGET_PREFIX = 'secretsmanager.';
/** @see https://docs.aws.amazon.com/IAM/latest/UserGuide/signing-elements.html */
const SIGNATURE_WINDOW_MS = 5 * 60_000;

class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** `20261129T181249Z` <-> epoch ms */
const toAmzDate = (ms: number): string => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
const parseAmzDate = (text: string): number => {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : NaN;
};

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** Starts a local Secrets Manager on 127.0.0.1. */
export async function startSecretsManagerServer(options: SecretsManagerServerOptions = {}): Promise<LocalSecretsManager> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const now = options.now ?? Date.now;
  const principals = new Map((options.principals ?? []).map((p) => [p.accessKeyId, p]));
  const secrets = new Map<string, Secret>();
  const expiredTokens = new Set<string>();
  const faults: SecretsManagerError[] = [];
  const requests: SecretsManagerRequest[] = [];

  const findSecret = (secretId: string): Secret | undefined => secrets.get(secretId) ?? [...secrets.values()].find((s) => s.arn === secretId);

  /** Checks the request as the service's front door does; returns the caller's principal, if configured. */
  async function authenticate(req: IncomingMessage, body: string): Promise<SecretsManagerPrincipal | undefined> {
    const authorization = header(req, 'authorization');
    const amzDate = header(req, 'x-amz-date');
    if (!authorization || !amzDate) throw new ServiceError('MissingAuthenticationTokenException', 'Missing Authentication Token');
    const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=[0-9a-f]{64}$/.exec(authorization);
    if (!m) throw new ServiceError('IncompleteSignatureException', `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters. Authorization=${authorization.slice(0, 40)}`);
    const [, accessKeyId, , scopeRegion, service, signedHeaders] = m;
    const signedMs = parseAmzDate(amzDate);
    const serverMs = now();
    if (Number.isNaN(signedMs)) throw new ServiceError('IncompleteSignatureException', `Date must be in ISO-8601 'basic format'. Got '${amzDate.slice(0, 40)}'.`);
    if (signedMs < serverMs - SIGNATURE_WINDOW_MS) {
      throw new ServiceError('InvalidSignatureException', `Signature expired: ${amzDate} is now earlier than ${toAmzDate(serverMs - SIGNATURE_WINDOW_MS)} (${toAmzDate(serverMs)} - 5 min.)`);
    }
    if (signedMs > serverMs + SIGNATURE_WINDOW_MS) {
      throw new ServiceError('InvalidSignatureException', `Signature not yet current: ${amzDate} is still later than ${toAmzDate(serverMs + SIGNATURE_WINDOW_MS)} (${toAmzDate(serverMs)} + 5 min.)`);
    }
    if (service !== 'secretsmanager' || scopeRegion !== region) {
      throw new ServiceError('InvalidSignatureException', `Credential should be scoped to correct service and region: 'secretsmanager' in '${region}'.`);
    }
    if (options.principals === undefined) return undefined;
    const principal = principals.get(accessKeyId);
    if (!principal) throw new ServiceError('UnrecognizedClientException', 'The security token included in the request is invalid.');
    const token = header(req, 'x-amz-security-token');
    if (principal.sessionToken !== undefined && token !== principal.sessionToken) throw new ServiceError('UnrecognizedClientException', 'The security token included in the request is invalid.');
    if (token !== undefined && expiredTokens.has(token)) throw new ServiceError('ExpiredTokenException', 'The security token included in the request is expired');
    // Sign again what arrived with the principal's secret, with the AWS SDK's signer, and compare.
    const names = signedHeaders.split(';');
    const headers = Object.fromEntries(names.map((name) => [name, header(req, name) ?? '']));
    const signer = new SignatureV4({
      credentials: { accessKeyId, secretAccessKey: principal.secretAccessKey, ...(token !== undefined ? { sessionToken: token } : {}) },
      region,
      service: 'secretsmanager',
      sha256: Sha256,
      applyChecksum: false,
    });
    const expected = await signer.sign({ method: req.method ?? 'POST', protocol: 'http:', hostname: (headers.host ?? '').replace(/:\d+$/, ''), path: req.url ?? '/', query: {}, headers, body }, { signingDate: new Date(signedMs) });
    if (expected.headers.authorization !== authorization) {
      throw new ServiceError(
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      );
    }
    return principal;
  }

  function getSecretValue(input: Record<string, unknown>, principal: SecretsManagerPrincipal | undefined): Record<string, unknown> {
    const { SecretId: secretId, VersionId: versionId, VersionStage: versionStage } = input;
    if (typeof secretId !== 'string' || secretId.length === 0 || secretId.length > 2048) {
      throw new ServiceError('InvalidParameterException', 'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!');
    }
    const secret = findSecret(secretId);
    if (principal && !(principal.secrets === undefined || (secret !== undefined && principal.secrets.includes(secret.name)))) {
      const who = principal.arn ?? `arn:aws:sts::${accountId}:assumed-role/kinsight-agent/${principal.accessKeyId}`;
      throw new ServiceError('AccessDeniedException', `User: ${who} is not authorized to perform: secretsmanager:GetSecretValue on resource: ${secretId} because no identity-based policy allows the secretsmanager:GetSecretValue action`);
    }
    if (!secret) throw new ServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    let version: SecretVersion | undefined;
    if (typeof versionId === 'string') {
      version = secret.versions.find((v) => v.versionId === versionId);
      if (!version) throw new ServiceError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`);
      if (typeof versionStage === 'string' && !version.stages.includes(versionStage)) {
        throw new ServiceError('InvalidRequestException', 'You provided a VersionStage that is not associated to the provided VersionId.');
      }
    } else {
      const stage = typeof versionStage === 'string' ? versionStage : 'AWSCURRENT';
      version = secret.versions.find((v) => v.stages.includes(stage));
      if (!version) throw new ServiceError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for staging label: ${stage}`);
    }
    return { ARN: secret.arn, Name: secret.name, VersionId: version.versionId, SecretString: version.secretString, VersionStages: [...version.stages], CreatedDate: version.createdMs / 1000 };
  }

  const answer = (res: ServerResponse, status: number, json: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID(), date: new Date(now()).toUTCString() });
    res.end(JSON.stringify(json));
  };

  const handle: RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const target = header(req, 'x-amz-target') ?? '';
      const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
      let input: Record<string, unknown> = {};
      const accessKeyId = /Credential=([^/]+)\//.exec(header(req, 'authorization') ?? '')?.[1];
      const record = (status: number, error?: string) => requests.push({ operation, input, ...(accessKeyId ? { accessKeyId } : {}), status, ...(error ? { error } : {}) });
      void (async () => {
        try {
          const principal = await authenticate(req, body);
          const fault = faults.shift();
          if (fault) throw new ServiceError(fault.type, fault.message, fault.status ?? 400);
          if (req.method !== 'POST' || !target.startsWith(TARGET_PREFIX)) throw new ServiceError('UnknownOperationException', '');
          try {
            const parsed: unknown = JSON.parse(body);
            if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
            input = parsed as Record<string, unknown>;
          } catch {
            throw new ServiceError('SerializationException', 'Start of structure or map found where not expected.');
          }
          if (operation !== 'GetSecretValue') throw new ServiceError('UnknownOperationException', '');
          const output = getSecretValue(input, principal);
          record(200);
          answer(res, 200, output);
        } catch (error) {
          const e = error instanceof ServiceError ? error : new ServiceError('InternalServiceError', 'An error occurred on the server side.', 500);
          record(e.status, e.type);
          answer(res, e.status, { __type: e.type, Message: e.message });
        }
      })();
    });
  };
  const server = options.tls ? createTlsServer({ cert: options.tls.cert, key: options.tls.key }, handle) : createServer(handle);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));

  return {
    endpoint: `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region,
    requests,
    createSecret(name, secretString) {
      if (secrets.has(name)) throw new Error(`secret ${name} exists already`);
      // The 6 random characters the service appends to a secret's ARN.
      const suffix = randomBytes(6).toString('base64').replace(/[^A-Za-z0-9]/g, 'x').slice(0, 6);
      const secret: Secret = { name, arn: `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-${suffix}`, versions: [] };
      const versionId = randomUUID();
      secret.versions.push({ versionId, secretString, createdMs: now(), stages: ['AWSCURRENT'] });
      secrets.set(name, secret);
      return { arn: secret.arn, versionId };
    },
    rotate(name, secretString) {
      const secret = secrets.get(name);
      if (!secret) throw new Error(`no secret ${name}`);
      for (const v of secret.versions) {
        if (v.stages.includes('AWSPREVIOUS')) v.stages = v.stages.filter((s) => s !== 'AWSPREVIOUS');
        if (v.stages.includes('AWSCURRENT')) v.stages = [...v.stages.filter((s) => s !== 'AWSCURRENT'), 'AWSPREVIOUS'];
      }
      const versionId = randomUUID();
      secret.versions.push({ versionId, secretString, createdMs: now(), stages: ['AWSCURRENT'] });
      return versionId;
    },
    failNext(error, count = 1) {
      for (let i = 0; i < count; i += 1) faults.push(error);
    },
    expireSessionToken(sessionToken) {
      expiredTokens.add(sessionToken);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
