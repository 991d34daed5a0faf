/** A response read whole: status, headers, text, and the parsed body when it is JSON. */
export interface Reply<T> {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: T | undefined;
}

export async function readReply<T>(response: Response): Promise<Reply<T>> {
  const text = await response.text();
  const isJson = response.headers.get('content-type')?.includes('json') ?? false;
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: isJson && text ? (JSON.parse(text) as T) : undefined,
  };
}
