import type { IncomingMessage, ServerResponse } from 'node:http';
import { PLATFORM_CORS_SETTING } from './hostRules';

/**
 * The host's own CORS middleware, on when the platform's CORS_ALLOWED_ORIGINS holds origins (a
 * JSON array; azure-functions-host src/WebJobs.Script.WebHost/Configuration/HostCorsOptionsSetup.cs
 * and CorsOptionsSetup.cs: any header, any method). ASP.NET's middleware answers every preflight
 * itself, 204, with the CORS headers only for an allowed origin: the app never sees it.
 */
export interface PlatformCors {
  /** True when the request was a preflight and has been answered. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

export function platformCors(env: NodeJS.ProcessEnv): PlatformCors | undefined {
  const raw = env[PLATFORM_CORS_SETTING]?.trim();
  if (!raw) return undefined;
  let origins: string[];
  try {
    const parsed: unknown = JSON.parse(raw);
    origins = Array.isArray(parsed) ? parsed.map(String) : [];
  } catch {
    throw new Error(`${PLATFORM_CORS_SETTING} must be a JSON array of origins, as the platform writes it.`);
  }
  if (origins.length === 0) return undefined;
  const allows = (origin: string): boolean => origins.includes('*') || origins.includes(origin);
  return {
    handle(req, res) {
      const origin = req.headers.origin;
      if (!origin) return false;
      const requestedMethod = req.headers['access-control-request-method'];
      if (req.method === 'OPTIONS' && requestedMethod) {
        if (allows(origin)) {
          res.setHeader('Access-Control-Allow-Origin', origin);
          res.setHeader('Access-Control-Allow-Methods', requestedMethod);
          const requestedHeaders = req.headers['access-control-request-headers'];
          if (requestedHeaders) res.setHeader('Access-Control-Allow-Headers', requestedHeaders);
          res.setHeader('Vary', 'Origin');
        }
        res.writeHead(204).end();
        return true;
      }
      if (allows(origin)) res.setHeader('Access-Control-Allow-Origin', origin);
      return false;
    },
  };
}
