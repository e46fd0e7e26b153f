import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { assertLicenseSigningKey } from '@atlasai/license-core';
import type { AppConfig } from '../config/app-config.js';

export class SigningKeyConfigError extends Error {}

export const LOADED_SIGNING_KEY = Symbol('LOADED_SIGNING_KEY');

export interface LoadedSigningKey {
  privateKey: KeyObject;
  source: 'env' | 'file' | 'generated-dev-key';
  /** CP_LICENSE_NEXT_PRIVATE_KEY_FILE: published and endorsed at boot, never signed with until it becomes the active key. */
  next?: KeyObject;
}

type KeyConfig = Pick<AppConfig, 'CP_LICENSE_PRIVATE_KEY' | 'CP_LICENSE_PRIVATE_KEY_FILE' | 'CP_LICENSE_NEXT_PRIVATE_KEY_FILE' | 'NODE_ENV' | 'DATA_DIR'>;

/**
 * Reads the active private key from CP_LICENSE_PRIVATE_KEY or CP_LICENSE_PRIVATE_KEY_FILE.
 * Outside production, with neither set, a development key is generated once into the data directory.
 * Error messages name the variable, never the key material.
 */
export function loadSigningKey(config: KeyConfig, warn: (message: string) => void): LoadedSigningKey {
  const active = loadActiveKey(config, warn);
  if (!config.CP_LICENSE_NEXT_PRIVATE_KEY_FILE) return active;
  return { ...active, next: readPrivateKeyFile(config.CP_LICENSE_NEXT_PRIVATE_KEY_FILE, 'CP_LICENSE_NEXT_PRIVATE_KEY_FILE') };
}

function loadActiveKey(config: KeyConfig, warn: (message: string) => void): LoadedSigningKey {
  if (config.CP_LICENSE_PRIVATE_KEY) {
    return { privateKey: parsePrivateKey(config.CP_LICENSE_PRIVATE_KEY.replace(/\\n/g, '\n'), 'CP_LICENSE_PRIVATE_KEY'), source: 'env' };
  }
  if (config.CP_LICENSE_PRIVATE_KEY_FILE) {
    return { privateKey: readPrivateKeyFile(config.CP_LICENSE_PRIVATE_KEY_FILE, 'CP_LICENSE_PRIVATE_KEY_FILE'), source: 'file' };
  }
  if (config.NODE_ENV === 'production') {
    throw new SigningKeyConfigError('CP_LICENSE_PRIVATE_KEY or CP_LICENSE_PRIVATE_KEY_FILE is required when NODE_ENV=production');
  }
  const path = devKeyPath(config);
  if (!existsSync(path)) writePrivateKeyPem(path, generatePrivateKeyPem());
  warn(
    `USING A GENERATED DEVELOPMENT SIGNING KEY (${path}). Licenses signed with it are only for development. ` +
      'Set CP_LICENSE_PRIVATE_KEY or CP_LICENSE_PRIVATE_KEY_FILE for real use; production refuses to start without one.',
  );
  return { privateKey: parsePrivateKey(readFileSync(path, 'utf8'), path), source: 'generated-dev-key' };
}

export function devKeyPath(config: Pick<AppConfig, 'DATA_DIR'>): string {
  return join(resolve(config.DATA_DIR), 'dev-signing-key.pem');
}

export function generatePrivateKeyPem(modulusLength = 3072): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** Writes a private key readable by its owner only. */
export function writePrivateKeyPem(path: string, pem: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, pem, { mode: 0o600, flag: 'wx' });
}

function readPrivateKeyFile(path: string, variable: string): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SigningKeyConfigError(`${variable}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parsePrivateKey(pem, variable);
}

function parsePrivateKey(pem: string, variable: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new SigningKeyConfigError(`${variable}: not a PEM-encoded private key (expected "-----BEGIN PRIVATE KEY-----" or "-----BEGIN RSA PRIVATE KEY-----")`);
  }
  try {
    assertLicenseSigningKey(key);
  } catch (error) {
    throw new SigningKeyConfigError(`${variable}: ${(error as Error).message}`);
  }
  return key;
}
