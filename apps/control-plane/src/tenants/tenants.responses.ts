import { z } from 'zod';
import { timestamp } from '../openapi/api-reply.decorator.js';
import { TENANT_DEPLOYMENT_MODES } from './tenant.entity.js';

export const tenantResponse = z
  .object({
    id: z.string(),
    name: z.string(),
    contact_email: z.string(),
    deployment_mode: z.enum(TENANT_DEPLOYMENT_MODES),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Tenant' });

export const tenantListResponse = z.object({
  items: z.array(tenantResponse),
  total: z.number().int().describe('Tenants matching the query, on every page.'),
  next_offset: z.number().int().nullable().describe('The `offset` of the next page; null on the last.'),
  next_cursor: z.string().nullable().describe('The `cursor` of the next page in id order; null on the last.'),
});
