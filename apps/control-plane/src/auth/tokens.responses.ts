import { z } from 'zod';
import { timestamp } from '../openapi/api-reply.decorator.js';
import { STAFF_ROLES } from './api-token.entity.js';

/** The token record as the service returns it (camelCase keys, unlike the rest of the API). */
export const apiTokenResponse = z
  .object({
    id: z.uuid(),
    name: z.string(),
    role: z.enum(STAFF_ROLES),
    tenantId: z.string().nullable(),
    tokenPrefix: z.string(),
    createdBy: z.string(),
    createdAt: timestamp,
    lastUsedAt: timestamp.nullable(),
    revokedAt: timestamp.nullable(),
  })
  .meta({ id: 'ApiToken' });

export const createdApiTokenResponse = apiTokenResponse.extend({ token: z.string().describe('The token (`la_…`), shown only here.') });
export const apiTokenListResponse = z.object({ items: z.array(apiTokenResponse) });
