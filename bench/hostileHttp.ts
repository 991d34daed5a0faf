import http from 'node:http';

/** One request of the hostile-input benchmarks: status, bytes received, the start of the body, time. */
export interface HostileResponse {
  readonly status: number;
  readonly bytes: number;
  /** The first 1 MiB of the body as text (enough for STOW answers and error messages). */
  readonly text: string;
  readonly ms: number;
}

const KEPT_BYTES = 1024 * 1024;
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/**
 * One request over node:http, the path sent as given (no dot-segment normalisation, as a hostile
 * client would); the whole answer is read, only its first MiB kept.
 */
export function send(
  method: string,
  url: string,
  options: { headers?: Record<string, string>; body?: Buffer; timeoutMs?: number } = {},
): Promise<HostileResponse> {
  const started = performance.now();
  const target = new URL(url);
  const rawPath = url.slice(url.indexOf('/', url.indexOf('//') + 2));
  return new Promise<HostileResponse>((resolve, reject) => {
    const request = http.request(
      {
        host: target.hostname,
        port: target.port,
        method,
        path: rawPath,
        agent,
        headers: { ...options.headers, ...(options.body ? { 'Content-Length': String(options.body.length) } : {}) },
      },
      (response) => {
        const kept: Buffer[] = [];
        let bytes = 0;
        response.on('data', (chunk: Buffer) => {
          if (bytes < KEPT_BYTES) kept.push(chunk);
          bytes += chunk.length;
        });
        response.on('error', reject);
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            bytes,
            text: Buffer.concat(kept).subarray(0, KEPT_BYTES).toString('utf8'),
            ms: performance.now() - started,
          }),
        );
      },
    );
    request.setTimeout(options.timeoutMs ?? 300_000, () => request.destroy(new Error('timed out')));
    request.on('error', reject);
    request.end(options.body);
  });
}

/** The instances a STOW answer lists as stored: study, series and instance UIDs from their RetrieveURLs. */
export function storedInstances(stowAnswer: string): { study: string; series: string; instance: string }[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stowAnswer);
  } catch {
    return [];
  }
  const items = (parsed as Record<string, { Value?: unknown[] } | undefined>)['00081199']?.Value ?? [];
  const found: { study: string; series: string; instance: string }[] = [];
  for (const item of items) {
    const url = (item as Record<string, { Value?: unknown[] } | undefined>)['00081190']?.Value?.[0];
    const match = typeof url === 'string' ? /studies\/([^/]+)\/series\/([^/]+)\/instances\/([^/]+)$/.exec(url) : null;
    if (match?.[1] && match[2] && match[3]) found.push({ study: match[1], series: match[2], instance: match[3] });
  }
  return found;
}

/** The failure reasons (0008,1197) of a STOW answer's FailedSOPSequence. */
export function failureReasons(stowAnswer: string): number[] {
  try {
    const parsed = JSON.parse(stowAnswer) as Record<string, { Value?: unknown[] } | undefined>;
    return (parsed['00081198']?.Value ?? []).map((item) =>
      Number((item as Record<string, { Value?: unknown[] } | undefined>)['00081197']?.Value?.[0]),
    );
  } catch {
    return [];
  }
}
