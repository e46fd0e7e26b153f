import { createPrivateKey, sign } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * Signs one license's signing input (header.payload) with RS256 in a tight loop; reports signatures made.
 * The key is parsed once, as any signer keeps it: passing the PEM to crypto.sign re-parses it on every call.
 */
const { privateKeyPem, signingInput, milliseconds } = workerData as { privateKeyPem: string; signingInput: string; milliseconds: number };
const key = createPrivateKey(privateKeyPem);
const data = Buffer.from(signingInput);
const deadline = performance.now() + milliseconds;
let signatures = 0;
while (performance.now() < deadline) {
  sign('sha256', data, key);
  signatures++;
}
parentPort?.postMessage(signatures);
