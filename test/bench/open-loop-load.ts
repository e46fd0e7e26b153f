import { Agent, request } from 'node:http';

/** One call the load sends: its body, and what to do with a 200 reply (keep the renewed token). */
export interface LoadCall {
  body: string;
  onOk(reply: string): void;
}

export interface LatencySummary {
  sent: number;
  ok: number;
  failed: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * Open-model load: call i is due at start + i / rate, whether or not earlier calls have been answered,
 * and its latency runs from when it was due, not from when a free connection let it go. A closed loop
 * (N connections, each waiting for its reply) stops sending while the server stalls and so hides the
 * stall (coordinated omission); with many connections it also fires synchronised bursts.
 */
export async function openLoop(url: string, rate: number, seconds: number, nextCall: () => LoadCall): Promise<LatencySummary> {
  const target = new URL(url);
  const agent = new Agent({ keepAlive: true });
  const total = Math.round(rate * seconds);
  const intervalMs = 1000 / rate;
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  const pending: Promise<void>[] = [];
  const start = performance.now();
  await new Promise<void>((done) => {
    let index = 0;
    const tick = () => {
      const now = performance.now();
      while (index < total && start + index * intervalMs <= now) {
        pending.push(send(start + index * intervalMs));
        index++;
      }
      if (index < total) setTimeout(tick, Math.max(0, start + index * intervalMs - performance.now()));
      else done();
    };
    tick();
  });
  await Promise.all(pending);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (quantile: number) => round(latencies[Math.min(latencies.length - 1, Math.floor(quantile * latencies.length))] ?? NaN);
  return { sent: total, ok, failed, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: round(latencies.at(-1) ?? NaN) };

  function send(dueAt: number): Promise<void> {
    const call = nextCall();
    return new Promise<void>((done) => {
      const outgoing = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(call.body) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            latencies.push(performance.now() - dueAt);
            if (response.statusCode === 200) {
              ok++;
              call.onOk(Buffer.concat(chunks).toString('utf8'));
            } else failed++;
            done();
          });
        },
      );
      outgoing.on('error', () => {
        latencies.push(performance.now() - dueAt);
        failed++;
        done();
      });
      outgoing.end(call.body);
    });
  }
}

const round = (milliseconds: number) => Math.round(milliseconds * 10) / 10;
