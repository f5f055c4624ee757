/** Small HTTP helpers for tests that talk to real servers. */
export interface Answer<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: T;
}

export async function http<T = unknown>(
  method: string,
  url: string,
  body?: unknown,
  timeoutMs = 15_000,
): Promise<Answer<T>> {
  const res = await fetch(url, {
    method,
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text === '' ? null : JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, headers: res.headers, text, json: json as T };
}

export interface HealthEntry {
  readonly Node: { readonly Node: string; readonly Address: string };
  readonly Service: {
    readonly ID: string;
    readonly Service: string;
    readonly Port?: number;
    readonly Address: string;
    readonly Tags: string[];
    readonly Meta: Record<string, string>;
  };
  readonly Checks: { readonly CheckID: string; readonly Status: string; readonly Output: string }[];
}
