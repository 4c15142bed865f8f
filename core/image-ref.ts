/** `@sha256:` and 64 hex digits (or `@sha512:` and 128) at the end of an image reference. */
const DIGEST = /@(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/;

/**
 * Whether an image reference names its content: it ends in a digest (`repo:tag@sha256:<64 hex>` or
 * `repo@sha256:<64 hex>`). A tag alone is mutable, so nodes run whatever it points to when they
 * start; the CDK app warns at synth when the fleet file's agentImage is such a reference.
 * @see https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests
 */
export const isPinnedImage = (ref: string): boolean => DIGEST.test(ref.trim());
