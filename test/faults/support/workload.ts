import { httpCall, type TestResponse } from '../../support/http-call.js';

/** Creates on-prem tenants `<prefix>-0..n-1` through the API. */
export async function createTenants(baseUrl: string, token: string, prefix: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, index) => `${prefix}-${index}`);
  for (const id of ids) {
    const response = await httpCall(baseUrl, 'POST', '/api/v1/tenants', {
      token,
      body: { id, name: id.toUpperCase(), contact_email: `ops@${id}.example`, deployment_mode: 'on_prem' },
    });
    if (response.status !== 201) throw new Error(`creating tenant ${id}: ${response.status} ${response.text}`);
  }
  return ids;
}

/** Issues a license (one license_issued email each); the answer is returned, never thrown. */
export function issueLicense(baseUrl: string, token: string, tenantId: string): Promise<TestResponse> {
  return httpCall(baseUrl, 'POST', '/api/v1/licenses', { token, body: { tenant_id: tenantId, plan_id: 'core' } });
}

/** `count` licenses spread over `tenants`, `parallel` requests at a time; every answer, in order. */
export async function issueLicenses(baseUrl: string, token: string, tenants: string[], count: number, parallel = 4): Promise<TestResponse[]> {
  const answers: TestResponse[] = [];
  for (let start = 0; start < count; start += parallel) {
    const batch = Array.from({ length: Math.min(parallel, count - start) }, (_, offset) =>
      issueLicense(baseUrl, token, tenants[(start + offset) % tenants.length]),
    );
    answers.push(...(await Promise.all(batch)));
  }
  return answers;
}

/** Answers with a 5xx status, or none at all (a connection error counts as a failure of the server). */
export function serverErrors(answers: { status: number }[]): number {
  return answers.filter((answer) => answer.status >= 500).length;
}

/** One answer of a probe: which route, its status (0: no answer) and how long it took. */
export interface ProbeAnswer {
  path: string;
  status: number;
  ms: number;
}

/**
 * Calls `paths` (GET, with `token`) in a loop until `stop` is called: the requests that have nothing to do
 * with the fault, which must keep answering while it lasts.
 */
export function probeRoutes(baseUrl: string, token: string, paths: string[], timeoutMs = 5_000): { stop(): Promise<ProbeAnswer[]> } {
  const answers: ProbeAnswer[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const path of paths) {
        const started = Date.now();
        const status = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(timeoutMs) })
          .then(async (response) => (await response.arrayBuffer(), response.status))
          .catch(() => 0);
        answers.push({ path, status, ms: Date.now() - started });
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return answers;
    },
  };
}

/** Probe answers that failed: a 5xx, or no answer in time. */
export function failedProbes(answers: ProbeAnswer[]): ProbeAnswer[] {
  return answers.filter((answer) => answer.status === 0 || answer.status >= 500);
}
