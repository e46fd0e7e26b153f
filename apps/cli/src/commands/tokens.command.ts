import type { Command } from 'commander';
import { CliUsageError, isoDate, list, print, uuid } from '../cli-io.js';

async function staffRole(value: string) {
  const { STAFF_ROLES } = await import('../../../control-plane/src/auth/api-token.entity.js');
  if (!(STAFF_ROLES as readonly string[]).includes(value)) throw new CliUsageError('--role', `must be one of ${STAFF_ROLES.join(', ')}`);
  return value as (typeof STAFF_ROLES)[number];
}

async function tokenScopes(values: string[] | undefined) {
  if (!values) return undefined;
  const { TOKEN_SCOPES } = await import('../../../control-plane/src/auth/token-scopes.js');
  const unknown = values.filter((scope) => !(TOKEN_SCOPES as readonly string[]).includes(scope));
  if (unknown.length > 0) throw new CliUsageError('--scopes', `unknown scope ${unknown.join(', ')}; one of ${TOKEN_SCOPES.join(', ')}`);
  return values as (typeof TOKEN_SCOPES)[number][];
}

function tokenExpiry(value: string): string {
  return value === 'never' ? value : isoDate(value);
}

export function registerTokenCommands(program: Command): void {
  const tokens = program.command('tokens').description('staff API tokens');
  tokens
    .command('create')
    .description('create an API token; it is printed once and stored only as a hash')
    .requiredOption('--role <role>', 'admin, support, viewer or service')
    .option('--name <name>', 'who or what holds it', 'cli')
    .option('--tenant <id>', 'the tenant a service token belongs to (required for --role service)')
    .option('--expires <when>', 'an ISO date-time, or "never" (needs --never-reason); default API_TOKEN_DEFAULT_TTL_DAYS from now', tokenExpiry)
    .option('--never-reason <text>', 'why this token never expires (stored, audited and listed)')
    .option('--scopes <list>', 'comma-separated scopes narrower than the role (tenants:read, licenses:write, …)', list)
    .option('--notify-email <address>', 'who is emailed before the token expires (default SUPPORT_EMAIL)')
    .action(
      async (options: { role: string; name: string; tenant?: string; expires?: string; neverReason?: string; scopes?: string[]; notifyEmail?: string }) => {
        const role = await staffRole(options.role);
        const scopes = await tokenScopes(options.scopes);
        const [{ cliActor, withControlPlane }, { ApiTokenService }] = await Promise.all([
          import('../cli-context.js'),
          import('../../../control-plane/src/auth/api-token.service.js'),
        ]);
        const created = await withControlPlane((app) =>
          app.get(ApiTokenService).create(
            {
              name: options.name,
              role,
              tenantId: options.tenant,
              expiresAt: options.expires === undefined || options.expires === 'never' ? options.expires : new Date(options.expires),
              neverExpiresReason: options.neverReason,
              scopes,
              notifyEmail: options.notifyEmail,
            },
            cliActor(),
          ),
        );
        print({ token: created.token, ...created.record });
      },
    );
  tokens
    .command('list')
    .description('every API token (never the secret): id, name, role, tenant, expiry, last use, revocation')
    .action(async () => {
      const [{ withControlPlane }, { ApiTokenService }] = await Promise.all([
        import('../cli-context.js'),
        import('../../../control-plane/src/auth/api-token.service.js'),
      ]);
      print(await withControlPlane((app) => app.get(ApiTokenService).list()));
    });
  tokens
    .command('revoke')
    .description('revoke an API token; requests with it are refused from then on')
    .argument('<id>', 'token id (from tokens list)', uuid)
    .action(async (id: string) => {
      const [{ cliActor, withControlPlane }, { ApiTokenService }] = await Promise.all([
        import('../cli-context.js'),
        import('../../../control-plane/src/auth/api-token.service.js'),
      ]);
      print(await withControlPlane((app) => app.get(ApiTokenService).revoke(id, cliActor())));
    });
  tokens
    .command('rotate')
    .description('print a new secret for the token (once); the old one keeps working for API_TOKEN_ROTATION_GRACE_SECONDS')
    .argument('<id>', 'token id (from tokens list)', uuid)
    .action(async (id: string) => {
      const [{ cliActor, withControlPlane }, { ApiTokenService }] = await Promise.all([
        import('../cli-context.js'),
        import('../../../control-plane/src/auth/api-token.service.js'),
      ]);
      const rotated = await withControlPlane((app) => app.get(ApiTokenService).rotate(id, cliActor()));
      print({ token: rotated.token, ...rotated.record });
    });
}
