#!/usr/bin/env node
// Generates the TypeScript types of the JET gRPC messages and services (idl/jnx_*.proto) into
// lib/gen-grpc/ with @grpc/proto-loader's generator. The output is build output: never edit it,
// never commit it (it is in .gitignore). The .proto files themselves are loaded at run time with
// the same options (lib/grpc/proto.ts), so types and wire agree. Run by `npm run build`.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const outDir = path.join(root, 'lib', 'gen-grpc');
const files = fs.readdirSync(path.join(root, 'idl')).filter((f) => f.endsWith('.proto')).sort();

fs.rmSync(outDir, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [
    require.resolve('@grpc/proto-loader/build/bin/proto-loader-gen-types.js'),
    '--grpcLib=@grpc/grpc-js',
    `--outDir=${outDir}`,
    `--includeDirs=${path.join(root, 'idl')}`,
    // Must match PROTO_OPTIONS in lib/grpc/proto.ts.
    '--keepCase',
    '--longs=String',
    '--enums=String',
    '--defaults',
    '--oneofs',
    ...files,
  ],
  { cwd: path.join(root, 'idl'), stdio: ['ignore', 'ignore', 'inherit'] },
);
console.log(`grpc: generated ${path.relative(root, outDir)} from ${files.join(', ')}`);
