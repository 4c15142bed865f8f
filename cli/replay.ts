import { readFile } from 'node:fs/promises';
import { ConfigError, toSnippet } from '../core/errors';
import { createEmfEncoder } from '../core/emf';
import { DEFAULT_PROFILE_NAME, parseDeclarations, parseProfileName, type DeclarationProfile } from '../core/metrics/profiles';
import { toNodeKey, type NodeMetadata } from '../core/node-metadata';
import type { NodeRecord } from '../core/record';
import { parseRecordJson } from '../core/record/record-data';
import { toCiRecords } from '../lambdas/enricher/enrich';
import { createEnrichCache } from '../lambdas/enricher/enrich-cache';
import { parseFlags } from './parse-flags';
import type { Command } from './io';

const USAGE = `Usage: kinsight replay --records FILE --metadata FILE [--profile NAME] [--declarations FILE]

Runs the enricher offline: reads agent records (JSON lines, as \`kinsight agent --dry-run\` prints
them) and node metadata documents (a JSON array), and prints the EMF events the enricher would
write to CloudWatch Logs, one JSON document per line, on stdout. A summary goes to stderr.

Options:
  --records FILE        agent records, one JSON object per line
  --metadata FILE       node metadata documents, a JSON array (may be [])
  --profile NAME        classic (default), lean or enhanced
  --declarations FILE   a JSON array of metric declarations replacing the profile's
                        ({"dimensions":[[...]],"metricNameSelectors":[...]}, awsemf's snake_case works too)
`;

async function readText(path: string, flag: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${flag} ${path}: cannot read the file (${(error as Error).message})`);
  }
}

function toRecords(text: string, path: string): NodeRecord[] {
  const records: NodeRecord[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const parsed = parseRecordJson(line);
    if (!parsed.ok) throw new ConfigError(`${path} line ${i + 1}: ${parsed.error}`);
    records.push(parsed.value);
  });
  return records;
}

function toMetadata(text: string, path: string): Map<string, NodeMetadata> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${path}: not JSON (${(error as Error).message}); expected an array of node metadata documents`);
  }
  if (!Array.isArray(value)) throw new ConfigError(`${path}: expected a JSON array of node metadata documents, got ${toSnippet(value)}`);
  const byKey = new Map<string, NodeMetadata>();
  value.forEach((doc, i) => {
    const d = doc as Partial<NodeMetadata> | null;
    if (typeof d !== 'object' || d === null || typeof d.cluster !== 'string' || typeof d.node !== 'string' || !Array.isArray(d.pods)) {
      throw new ConfigError(`${path} [${i}]: a node metadata document needs cluster, node and pods: ${toSnippet(doc)}`);
    }
    byKey.set(toNodeKey(d.cluster, d.node), d as NodeMetadata);
  });
  return byKey;
}

/** `kinsight replay`: agent records + metadata in, EMF events out. */
export const replayCommand: Command = {
  summary: 'Print the EMF events the enricher would write for agent records and node metadata files',
  usage: USAGE,
  run: async (argv, io) => {
    const values = parseFlags('replay', argv, { records: { type: 'string' }, metadata: { type: 'string' }, profile: { type: 'string' }, declarations: { type: 'string' } });
    if (!values.records || !values.metadata) throw new ConfigError('--records FILE and --metadata FILE are required (see kinsight replay --help)');
    const named = parseProfileName(values.profile ?? DEFAULT_PROFILE_NAME);
    if (!named.ok) throw new ConfigError(`--profile: ${named.error}`);
    let profile: DeclarationProfile = named.value;
    if (values.declarations) {
      let json: unknown;
      try {
        json = JSON.parse(await readText(values.declarations, '--declarations'));
      } catch (error) {
        if (error instanceof ConfigError) throw error;
        throw new ConfigError(`--declarations ${values.declarations}: not JSON (${(error as Error).message})`);
      }
      const declarations = parseDeclarations(json);
      if (!declarations.ok) throw new ConfigError(`--declarations ${values.declarations}: ${declarations.error}`);
      profile = { ...profile, name: 'custom', declarations: declarations.value };
    }
    const records = toRecords(await readText(values.records, '--records'), values.records);
    const metadata = toMetadata(await readText(values.metadata, '--metadata'), values.metadata);
    const encoder = createEmfEncoder(profile);
    const cache = createEnrichCache();
    let events = 0;
    let pods = 0;
    let nodes = 0;
    const out: string[] = [];
    for (const record of records) {
      const result = toCiRecords(record, metadata.get(toNodeKey(record.cluster, record.node)), { profile }, cache);
      if (result.nodeWithoutMetadata) nodes += 1;
      pods += result.podsWithoutMetadata;
      for (const e of encoder.encodeEvents(result.records, record)) {
        out.push(e.message);
        events += 1;
      }
      if (out.length >= 1000) io.stdout(`${out.splice(0).join('\n')}\n`);
    }
    if (out.length > 0) io.stdout(`${out.join('\n')}\n`);
    io.stderr(`kinsight replay: ${records.length} records -> ${events} EMF events (profile ${profile.name}); ${nodes} records without node metadata, ${pods} pods without metadata\n`);
    return 0;
  },
};
