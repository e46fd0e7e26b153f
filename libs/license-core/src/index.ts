export * from './license-claims.js';
export * from './license-status.js';
export * from './license-token.js';
export * from './key-chain.js';
