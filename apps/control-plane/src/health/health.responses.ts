import { z } from 'zod';

export const livenessResponse = z.object({ status: z.string().describe('Always `ok`.') });

const checks = z.record(z.string(), z.unknown()).describe('One entry per dependency: `{status: "up" | "down", ...}`.');

export const readinessResponse = z.object({
  status: z.string(),
  info: checks.optional(),
  error: checks.optional(),
  details: checks,
});
