/**
 * Summarises a V8 .cpuprofile: self time by function and by package, so a benchmark run with
 * BENCH_PROFILE_DIR shows where the time goes. Run: `node dist/test/bench/top-functions.js <file>`.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
}

const file = process.argv[2];
if (!file) {
  console.error('usage: top-functions <file.cpuprofile> [rows]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[] };
const rows = Number(process.argv[3] ?? 25);
const total = profile.nodes.reduce((sum, node) => sum + node.hitCount, 0);
const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
for (const node of profile.nodes) {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url.replace(/^file:\/\//, '').replace(/^.*node_modules\//, '');
  byFunction.set(
    `${functionName || '(anonymous)'} ${where}:${lineNumber}`,
    (byFunction.get(`${functionName || '(anonymous)'} ${where}:${lineNumber}`) ?? 0) + node.hitCount,
  );
  const pkg = url.includes('node_modules/')
    ? url
        .split('node_modules/')[1]
        .split('/')
        .slice(0, url.includes('node_modules/@') ? 2 : 1)
        .join('/')
    : url.startsWith('node:')
      ? 'node'
      : url
        ? 'ours'
        : functionName;
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + node.hitCount);
}
const top = (map: Map<string, number>) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, rows)
    .map(([name, hits]) => `${((100 * hits) / total).toFixed(1).padStart(5)}%  ${name}`)
    .join('\n');
console.log(`self time by package:\n${top(byPackage)}\n\nself time by function:\n${top(byFunction)}`);
