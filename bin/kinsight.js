#!/usr/bin/env node
// The `kinsight` command: runs the esbuild bundle made by `npm run build`.
const path = require('node:path');
const fs = require('node:fs');
const bundle = path.join(__dirname, '..', 'dist', 'kinsight.js');
if (!fs.existsSync(bundle)) {
  process.stderr.write(`kinsight: ${bundle} is missing; run \`npm run build\` first\n`);
  process.exit(1);
}
require(bundle);
