import { dumpYaml } from '@kubernetes/client-node';
import type { KubeObject } from '../core/agent-manifest';

/**
 * js-yaml's dump options for a manifest kubectl reads: no line folding (`lineWidth: -1`), so the
 * agent bundle in its ConfigMap stays a literal block that keeps every byte, as a script is read;
 * no anchors or aliases (`noRefs`) for values the objects happen to share. js-yaml quotes the words
 * YAML 1.1 reads as booleans (`yes`, `on`, ...), as kubectl's parser lineage needs.
 */
const DUMP_OPTIONS = { lineWidth: -1, noRefs: true } as const;

/**
 * Kubernetes objects as one multi-document YAML stream, with the dumper @kubernetes/client-node
 * bundles (`dumpYaml`: its model's serializer, then js-yaml). Each object's keys come out in the
 * order of the client's model, not of the object literal; what a parser reads back is the object.
 */
export function toManifestYaml(objects: readonly KubeObject[]): string {
  return objects.map((object) => dumpYaml(object, DUMP_OPTIONS)).join('---\n');
}
