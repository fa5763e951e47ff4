#!/usr/bin/env node
// Generates the TypeScript Thrift code (client structs and server processors)
// from idl/*.thrift into lib/gen/. The output is build output: never edit it,
// never commit it (it is in .gitignore). Run by `npm run build`.
'use strict';
const fs = require('fs');
const path = require('path');
const { generate } = require('@creditkarma/thrift-typescript');

const root = path.resolve(__dirname, '..');
const outDir = path.join(root, 'lib', 'gen');
const files = fs.readdirSync(path.join(root, 'idl')).filter((f) => f.endsWith('.thrift'));

fs.rmSync(outDir, { recursive: true, force: true });
generate({
  rootDir: root,
  sourceDir: 'idl',
  outDir: 'lib/gen',
  target: 'apache',
  files,
});
console.log(`thrift: generated ${path.relative(root, outDir)} from ${files.join(', ')}`);
