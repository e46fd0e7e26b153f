import { summarizeFaults } from './fault-summary.js';

export default function globalTeardown() {
  process.stdout.write(`\n${summarizeFaults()}\n`);
}
