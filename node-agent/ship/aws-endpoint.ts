/**
 * The regional endpoint of an AWS service, as the SDKs resolve it without overrides:
 * `https://<service>.<region>.amazonaws.com` (`.amazonaws.com.cn` in the China regions).
 * @see https://docs.aws.amazon.com/general/latest/gr/rande.html
 */
export function toAwsEndpoint(service: string, region: string): string {
  return `https://${service}.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}
