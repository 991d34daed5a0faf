/**
 * One QIDO-RS GET over node:http with a keep-alive agent (so latencies exclude connection set-up),
 * reading the whole JSON body, and the `X-Search-Cost` header our server adds with DICOM_SEARCH_COST_HEADER=true.
 */
import http from 'node:http';
import https from 'node:https';

export interface SearchResponse {
  readonly status: number;
  readonly milliseconds: number;
  /** Array length of a 200 body, 0 for 204; null for failures and bodies that are not a JSON array. */
  readonly results: number | null;
  readonly cost: SearchCost | null;
  /** The raw header, when present but not in the expected form. */
  readonly rawCost: string | null;
  /** The start of the body of a failure, or why a 200 body could not be read. */
  readonly error: string | null;
}

export interface SearchCost {
  readonly requests: number;
  readonly entities: number;
}

export const COST_HEADER = 'x-search-cost';

export function parseCost(header: string): SearchCost | null {
  const requests = /requests=(\d+)/.exec(header)?.[1];
  const entities = /entities=(\d+)/.exec(header)?.[1];
  if (requests === undefined || entities === undefined) return null;
  return { requests: Number(requests), entities: Number(entities) };
}

export function searchAgent(url: URL): http.Agent {
  const options = { keepAlive: true, maxSockets: 1, maxFreeSockets: 1 };
  return url.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
}

/** Resolves for every HTTP answer (any status); rejects on network errors and after `timeoutMs` without progress. */
export function search(url: URL, agent: http.Agent, timeoutMs: number): Promise<SearchResponse> {
  const started = performance.now();
  return new Promise<SearchResponse>((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).get(
      url,
      { agent, headers: { accept: 'application/dicom+json' } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const milliseconds = performance.now() - started;
          const status = response.statusCode ?? 0;
          const header = response.headers[COST_HEADER];
          const rawCost = typeof header === 'string' ? header : null;
          const text = Buffer.concat(chunks).toString('utf8');
          let results: number | null = null;
          let error: string | null = null;
          if (status === 204) {
            results = 0;
          } else if (status === 200) {
            try {
              const parsed: unknown = JSON.parse(text);
              if (Array.isArray(parsed)) results = parsed.length;
              else error = `200 with a body that is not a JSON array: ${text.slice(0, 200)}`;
            } catch {
              error = `200 with a body that is not JSON: ${text.slice(0, 200)}`;
            }
          } else {
            error = `HTTP ${status}: ${text.trim().slice(0, 300) || '(empty body)'}`;
          }
          resolve({
            status,
            milliseconds,
            results,
            cost: rawCost === null ? null : parseCost(rawCost),
            rawCost,
            error,
          });
        });
      },
    );
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    request.on('error', reject);
  });
}
