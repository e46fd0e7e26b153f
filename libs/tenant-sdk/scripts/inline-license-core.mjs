// The SDK ships license-core compiled next to it (tsc's rootDir is libs/, so dist/ holds tenant-sdk/src and
// license-core/src): a tenant installs one self-contained tarball. tsc keeps the `@atlasai/license-core`
// specifiers it resolved through the workspace; this points them at the shipped copy instead.
// (npm's bundleDependencies would not do: npm pack leaves out a dependency hoisted to the workspace root.)
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SDK_OUT = join(import.meta.dirname, '../dist/tenant-sdk/src');
const CORE = '../../license-core/src/index.js';
const SPECIFIER = /(['"])@atlasai\/license-core\1/g;

for (const name of readdirSync(SDK_OUT)) {
  if (!/\.(js|d\.ts)$/.test(name)) continue;
  const path = join(SDK_OUT, name);
  const source = readFileSync(path, 'utf8');
  const inlined = source.replace(SPECIFIER, `'${CORE}'`);
  if (inlined !== source) writeFileSync(path, inlined);
  if (inlined.includes('@atlasai/license-core')) throw new Error(`${path} still names @atlasai/license-core`);
}
