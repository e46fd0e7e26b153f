import { sign } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';

/** Signs one license's signing input (header.payload) with RS256 in a tight loop; reports signatures made. */
const { privateKeyPem, signingInput, milliseconds } = workerData as { privateKeyPem: string; signingInput: string; milliseconds: number };
const data = Buffer.from(signingInput);
const deadline = performance.now() + milliseconds;
let signatures = 0;
while (performance.now() < deadline) {
  sign('sha256', data, privateKeyPem);
  signatures++;
}
parentPort?.postMessage(signatures);
