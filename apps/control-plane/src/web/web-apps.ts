import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { static as serveStatic } from 'express';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The two single-page apps built from apps/web (`npm run build:web`), each under its own path. */
export const WEB_APPS = ['console', 'portal'] as const;

/** No inline script or style, nothing from another origin: the pages only talk to this API. */
export const WEB_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** apps/web/dist, found upwards from this file: it runs both from source (tests) and compiled (dist/). */
export function findWebDist(from = dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (let directory = from; ; directory = dirname(directory)) {
    const candidate = join(directory, 'apps', 'web', 'dist');
    if (existsSync(join(candidate, 'portal', 'index.html'))) return candidate;
    if (dirname(directory) === directory) return undefined;
  }
}

function withCsp(_request: Request, response: Response, next: NextFunction): void {
  response.setHeader('Content-Security-Policy', WEB_CSP);
  next();
}

/**
 * Serves /console and /portal (every path below them answers the app's index.html, so deep links
 * work) and their hashed assets. Returns false when the apps were not built.
 */
export function serveWebApps(app: NestExpressApplication, dist = findWebDist()): boolean {
  if (!dist) return false;
  app.use('/assets', withCsp, serveStatic(join(dist, 'assets'), { immutable: true, maxAge: '365d', index: false, fallthrough: false }));
  for (const name of WEB_APPS) {
    const index = join(dist, name, 'index.html');
    app.use(`/${name}`, withCsp, (request: Request, response: Response, next: NextFunction) => {
      if (request.method !== 'GET' && request.method !== 'HEAD') return next();
      response.setHeader('Cache-Control', 'no-cache');
      response.sendFile(index);
    });
  }
  return true;
}
