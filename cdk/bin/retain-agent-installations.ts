#!/usr/bin/env node
// Step 1 of the upgrade from the single-stack layout (cdk/README.md, "Upgrading"): reads the deployed
// template (aws cloudformation get-template ... --query TemplateBody), prints it with the agent
// installations retained. Usage: npx tsx cdk/bin/retain-agent-installations.ts deployed.json > retained.json
import { readFileSync } from 'node:fs';
import { toRetainedTemplate, type CfnTemplate } from '../lib/upgrade';

const path = process.argv[2];
if (!path) {
  process.stderr.write('usage: npx tsx cdk/bin/retain-agent-installations.ts DEPLOYED_TEMPLATE.json > retained.json\n');
  process.exit(2);
}
const deployed = JSON.parse(readFileSync(path, 'utf8')) as CfnTemplate;
if (typeof deployed !== 'object' || deployed === null || typeof deployed.Resources !== 'object') {
  process.stderr.write(`${path}: no Resources; expected the TemplateBody of the deployed stack as JSON\n`);
  process.exit(1);
}
const { template, retained } = toRetainedTemplate(deployed);
process.stdout.write(`${JSON.stringify(template, null, 1)}\n`);
process.stderr.write(`retained ${retained.length} agent installation(s): ${retained.join(', ') || 'none (already retained, or no single-stack layout)'}\n`);
