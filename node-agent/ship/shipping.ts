import { performance } from 'node:perf_hooks';
import { signRecordData } from '../../core/record/record-data';
import { err, ok } from '../../core/result';
import type { AgentConfig } from '../agent-config';
import type { Logger } from '../log';
import { toAwsEndpoint } from './aws-endpoint';
import { createAwsJsonClient, type AwsJsonClient, type AwsJsonClientOptions } from './aws-json-client';
import type { CredentialProvider } from './credentials';
import { createKinesisPort, type KinesisPort } from './kinesis-port';
import { createProducer, type Producer, type ProducerOptions } from './producer';
import { createSigningClock } from './signing-clock';
import { createSigningKeySource, type SigningKeySource } from './signing-key';

/** What the agent sends with: the Kinesis port, the producer and, with a key secret, the signing key. */
export interface Shipping {
  readonly kinesis: KinesisPort;
  readonly producer: Producer;
  /** The cluster's signing key, when `config.keySecret` is set: runAgent's `signingKey`. */
  readonly signingKey?: SigningKeySource;
  /** Closes the idle connections of the Kinesis and Secrets Manager clients. */
  close(): void;
}

/** What {@link createShipping} is given by a composition root. */
export interface ShippingOptions {
  /** The stream, the Kinesis endpoint override, the buffer, the key secret and its region and refresh. */
  readonly config: Pick<AgentConfig, 'cluster' | 'endpoint' | 'bufferRecords' | 'keySecret' | 'keyRegion' | 'keyRefreshMs'>;
  readonly streamName: string;
  readonly region: string;
  /** The one credential source of the Kinesis and Secrets Manager calls. */
  readonly credentials: Pick<CredentialProvider, 'get' | 'refresh'>;
  /** @default https://secretsmanager.<key region>.amazonaws.com */
  readonly secretsManagerEndpoint?: string;
  /** The producer's wait between attempts (the composition root owns the timers). */
  readonly sleep: ProducerOptions['sleep'];
  readonly log: Logger;
}

/**
 * The agent's AWS side: one credential source and one signing clock for its Kinesis and Secrets
 * Manager calls, the producer and, when a key secret is configured, the signing key (records are
 * signed with the key current when they are sent, and wait while there is none).
 */
export function createShipping(options: ShippingOptions): Shipping {
  const { config, log } = options;
  const clock = createSigningClock();
  const onRetry: AwsJsonClientOptions['onRetry'] = (event) =>
    log.warn(event.reason === 'clock-skew' ? 'signing clock corrected from the service time; request signed again' : 'session token expired; credentials refreshed and request signed again', { ...event });
  const access = { credentials: () => options.credentials.get(), refreshCredentials: () => options.credentials.refresh(), clock, onRetry };
  const kinesis = createKinesisPort({ streamName: options.streamName, region: options.region, ...(config.endpoint ? { endpoint: config.endpoint } : {}), ...access });
  let signingKey: SigningKeySource | undefined;
  let secretsManager: AwsJsonClient | undefined;
  if (config.keySecret) {
    const keyRegion = config.keyRegion ?? options.region;
    // Called once an hour: no connection is kept open in between.
    secretsManager = createAwsJsonClient({ service: 'secretsmanager', region: keyRegion, endpoint: options.secretsManagerEndpoint ?? toAwsEndpoint('secretsmanager', keyRegion), keepAlive: false, ...access });
    signingKey = createSigningKeySource({ secretId: config.keySecret, client: secretsManager, now: () => performance.now(), refreshMs: config.keyRefreshMs, log });
  }
  const key = signingKey;
  const producer = createProducer({
    port: kinesis,
    capacityRecords: config.bufferRecords,
    random: Math.random,
    sleep: options.sleep,
    now: () => performance.now(),
    ...(key
      ? {
          seal: (data: Uint8Array) => {
            const current = key.current();
            return current ? ok(signRecordData(config.cluster, data, current)) : err(`no signing key yet from secret ${config.keySecret}; records wait in the buffer`);
          },
        }
      : {}),
    onDrop: (event) => log.warn(event.reason === 'buffer-full' ? 'records dropped: the buffer is full (oldest first)' : 'records dropped: larger than a Kinesis record', { ...event }),
  });
  const sm = secretsManager;
  return {
    kinesis,
    producer,
    ...(signingKey ? { signingKey } : {}),
    close: () => {
      kinesis.close();
      sm?.close();
    },
  };
}
