import { z } from 'zod';
import { planLimitsSchema } from '@atlasai/license-core';
import { timestamp } from '../openapi/api-reply.decorator.js';

export const planResponse = z
  .object({
    id: z.string(),
    name: z.string(),
    limits: planLimitsSchema,
    modules: z.array(z.string()),
    available_addons: z.array(z.string()),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Plan' });

export const planListResponse = z.object({ items: z.array(planResponse) });
