import { z } from 'zod';
import { timestamp } from '../openapi/api-reply.decorator.js';
import { STAFF_ROLES } from '../auth/api-token.entity.js';

export const staffSessionResponse = z
  .object({
    id: z.uuid(),
    subject: z.string(),
    email: z.string().nullable(),
    name: z.string().nullable(),
    role: z.string(),
    groups: z.array(z.string()),
    created_at: timestamp,
    last_seen_at: timestamp,
    idle_expires_at: timestamp,
    absolute_expires_at: timestamp,
    source_address: z.string().nullable(),
    user_agent: z.string().nullable(),
    revoked_at: timestamp.nullable(),
    revoked_by: z.string().nullable(),
  })
  .meta({ id: 'StaffSession' });

export const staffSessionListResponse = z.object({ items: z.array(staffSessionResponse) });

export const signedOutResponse = z.object({ signed_out: z.literal(true) });

const oidcOffer = z.object({ enabled: z.boolean(), login_url: z.string().nullable() });

export const authSessionResponse = z
  .object({
    authenticated: z.boolean(),
    reason: z.string().optional().describe('Why not signed in (the 401 code), when `authenticated` is false.'),
    via: z.enum(['token', 'session']).optional(),
    oidc: oidcOffer,
    token_sign_in: z.boolean().describe('Offer sign-in with a pasted staff API token (single sign-on is off).'),
    message: z.string().nullable(),
    user: z
      .object({
        name: z.string(),
        email: z.string().nullable(),
        subject: z.string().nullable(),
        role: z.enum(STAFF_ROLES),
        scopes: z.array(z.string()).nullable().describe("A token's scopes; null: everything its role allows."),
        tenant_id: z.string().nullable(),
      })
      .optional(),
    session: z.object({ id: z.uuid(), idle_expires_at: timestamp, absolute_expires_at: timestamp }).optional(),
    csrf_token: z.string().optional().describe('Send as `x-csrf-token` with every write made with the session cookie.'),
  })
  .meta({ id: 'AuthSession' });
