import { defineConfig } from '@playwright/test';

/**
 * Browser tests of /console and /portal against the compiled control plane (`npm test` builds it and the
 * web apps first). The browser is Debian's Chromium (`apt-get install chromium`): nothing is downloaded.
 */
export default defineConfig({
  testDir: 'test/web',
  testMatch: '**/*.web-spec.ts',
  outputDir: 'test-results/web',
  // One control plane per worker, and a two-core machine: one worker.
  workers: 1,
  fullyParallel: false,
  // Generous: CI machines are small and shared; speed is measured by scripts, not by these limits.
  timeout: 300_000,
  expect: { timeout: 30_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' },
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
    trace: 'retain-on-failure',
  },
});
