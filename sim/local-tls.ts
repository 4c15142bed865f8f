import { generate } from 'selfsigned';

/** A test CA's certificate and a server certificate and key it signed, in PEM. */
export interface LocalCertificates {
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

let certificates: Promise<LocalCertificates> | undefined;

/**
 * One test CA and one server certificate (127.0.0.1, ::1, localhost) per process, for the local
 * servers that speak TLS as AWS and the Kubernetes API do: generation costs tens of ms.
 */
export function loadLocalCertificates(): Promise<LocalCertificates> {
  certificates ??= (async () => {
    const ca = await generate([{ name: 'commonName', value: 'kinsight-sim-ca' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
      ],
    });
    const server = await generate([{ name: 'commonName', value: 'kube-apiserver' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      ca: { key: ca.private, cert: ca.cert },
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }, { type: 2, value: 'localhost' }] },
      ],
    });
    return { caPem: ca.cert, certPem: server.cert, keyPem: server.private };
  })();
  return certificates;
}
