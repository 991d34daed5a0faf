/** Requests of the extended query tag API, for the EQT tests and benchmarks. */
import { setTimeout as sleep } from 'node:timers/promises';

export interface EqtReply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: unknown;
}

export async function eqtRequest(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<EqtReply> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    ...(body !== undefined
      ? { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'Content-Type': contentType } }
      : {}),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export interface TagEntryJson {
  path: string;
  vr: string;
  privateCreator?: string;
  level: string;
  status: string;
  queryStatus: string;
  errors?: { count: number; href: string };
  operation?: { id: string; href: string };
}

export async function getTag(baseUrl: string, path: string): Promise<TagEntryJson | undefined> {
  const reply = await eqtRequest(baseUrl, 'GET', `/v2/extendedquerytags/${path}`);
  return reply.status === 200 ? (reply.json as TagEntryJson) : undefined;
}

/** Polls until every tag is ready (or gone when `gone`), failing after `timeoutMs`. */
export async function waitForTags(
  baseUrl: string,
  paths: readonly string[],
  until: 'ready' | 'gone',
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tags = await Promise.all(paths.map((p) => getTag(baseUrl, p)));
    if (until === 'ready' ? tags.every((t) => t?.status === 'ready') : tags.every((t) => t === undefined)) return;
    if (Date.now() > deadline) throw new Error(`Tags not ${until} in time: ${JSON.stringify(tags)}`);
    await sleep(250);
  }
}
