import type { RequestHandler } from "express";
import helmet from "helmet";

/**
 * Helmet's headers with a Content Security Policy for the page: one bundled script and stylesheet
 * from this origin, files hashed in the browser by WebAssembly in a same-origin worker (hence
 * 'wasm-unsafe-eval', which allows compiling WebAssembly and nothing else; the worker script is
 * served with this policy too), QR codes as data:/blob: images or inline SVG, and
 * no inline script, plugin or framing. `upgrade-insecure-requests` is left out: on a private network
 * the service is often reached over plain HTTP, and the page must still load its own files.
 */
export const CONTENT_SECURITY_POLICY = {
  "default-src": ["'self'"],
  "script-src": ["'self'", "'wasm-unsafe-eval'"],
  "style-src": ["'self'"],
  "img-src": ["'self'", "data:", "blob:"],
  "connect-src": ["'self'"],
  "worker-src": ["'self'"],
  "font-src": ["'self'"],
  "object-src": ["'none'"],
  "base-uri": ["'self'"],
  "form-action": ["'self'"],
  "frame-ancestors": ["'none'"],
  "script-src-attr": ["'none'"],
};

/**
 * Helmet's headers. `Strict-Transport-Security` only when `hstsMaxAgeSeconds` is positive: the
 * operator sets it once TLS is in front of the service (HSTS_MAX_AGE). It covers this host alone,
 * not its subdomains, which the service knows nothing about.
 */
export function securityHeaders({
  hstsMaxAgeSeconds,
  connectSources = [],
}: {
  hstsMaxAgeSeconds: number;
  /** Origins the page may call besides its own: the chain's public RPC URL (PUBLIC_RPC_URL), if any. */
  connectSources?: readonly string[];
}): RequestHandler {
  const directives = {
    ...CONTENT_SECURITY_POLICY,
    "connect-src": [...CONTENT_SECURITY_POLICY["connect-src"], ...connectSources],
  };
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives },
    strictTransportSecurity: hstsMaxAgeSeconds > 0 ? { maxAge: hstsMaxAgeSeconds, includeSubDomains: false } : false,
    frameguard: { action: "deny" },
    referrerPolicy: { policy: "no-referrer" },
  });
}
