import 'reflect-metadata';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../app.factory.js';
import { loadConfig } from '../config/app-config.js';
import { buildOpenApiDocument } from './openapi.js';

/**
 * Writes the OpenAPI document (`npm run openapi`, default openapi/openapi.json) from an app booted on a
 * throwaway embedded database: the web app's client is generated from this file.
 */
async function main(): Promise<void> {
  const out = process.argv[2] ?? 'openapi/openapi.json';
  const dataDir = mkdtempSync(join(tmpdir(), 'la-openapi-'));
  try {
    // A throwaway key, so the development-key warning does not pretend this is a server.
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, SCHEDULES_ENABLED: 'false', CP_LICENSE_PRIVATE_KEY: key });
    const app = await createApp(config, { logger: false });
    await app.init();
    writeFileSync(out, `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`);
    await app.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
