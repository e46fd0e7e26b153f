import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CookieOptions, Request, Response } from 'express';

/**
 * `__Host-` cookies: Secure, Path=/, no Domain, so a sibling subdomain can neither read nor plant
 * them. Browsers accept Secure cookies from http://localhost, so local development works too.
 */
export const SESSION_COOKIE = '__Host-la_session';
/** The CSRF token, readable by the console's script, which echoes it in `X-CSRF-Token`. */
export const CSRF_COOKIE = '__Host-la_csrf';
/** Binds an authorization request to the browser that started it (login CSRF). */
export const OIDC_BROWSER_COOKIE = '__Host-la_oidc';
export const CSRF_HEADER = 'x-csrf-token';

const BASE: CookieOptions = { secure: true, sameSite: 'lax', path: '/' };

export function readCookie(request: Request, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) {
      const value = part.slice(at + 1).trim();
      return value.length > 0 && value.length <= 256 ? value : undefined;
    }
  }
  return undefined;
}

export function setSessionCookies(response: Response, secret: string, maxAgeMs: number): void {
  response.cookie(SESSION_COOKIE, secret, { ...BASE, httpOnly: true, maxAge: maxAgeMs });
  response.cookie(CSRF_COOKIE, csrfTokenFor(secret), { ...BASE, httpOnly: false, maxAge: maxAgeMs });
}

export function clearSessionCookies(response: Response): void {
  response.clearCookie(SESSION_COOKIE, { ...BASE, httpOnly: true });
  response.clearCookie(CSRF_COOKIE, { ...BASE, httpOnly: false });
}

export function setBrowserCookie(response: Response, value: string, maxAgeMs: number): void {
  response.cookie(OIDC_BROWSER_COOKIE, value, { ...BASE, httpOnly: true, maxAge: maxAgeMs });
}

export function clearBrowserCookie(response: Response): void {
  response.clearCookie(OIDC_BROWSER_COOKIE, { ...BASE, httpOnly: true });
}

/**
 * The CSRF token is derived from the session secret, so it needs no storage and a page on another
 * origin (which cannot read our cookies) cannot compute it.
 */
export function csrfTokenFor(sessionSecret: string): string {
  return createHmac('sha256', sessionSecret).update('la-csrf').digest('base64url');
}

export function csrfTokenMatches(sessionSecret: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const expected = Buffer.from(csrfTokenFor(sessionSecret));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
