/**
 * What the three connectors share: the transport they speak through, one JSON request, the
 * failures every connector raises the same way, and windows for capped incremental queries.
 */
import type { Clock } from '../../../platform/clock.js';
import { fail } from '../../../platform/errors.js';
import type { ChannelKind } from '../connector.js';
import { parseJson } from './sign.js';

export type ChannelTransport = (req: {
  channel: ChannelKind;
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body: string;
}) => Promise<{ status: number; headers: Record<string, string>; body: string }>;

/** Pushes and 二次校验 requests whose timestamp is further than this from Kameng's clock are refused. */
export const PUSH_WINDOW_SECONDS = 300;

export interface ConnectorDeps {
  transport: ChannelTransport;
  clock: Clock;
}

/**
 * Sends one request and parses the JSON answer. A transport that throws, or a 5xx/429, is
 * `channel.unavailable` (the caller keeps its row and retries); a body that is not JSON is
 * `channel.bad_response`.
 */
export async function sendJson(
  transport: ChannelTransport,
  req: Parameters<ChannelTransport>[0],
): Promise<unknown> {
  let res: Awaited<ReturnType<ChannelTransport>>;
  try {
    res = await transport(req);
  } catch {
    fail('channel.unavailable');
  }
  if (res.status >= 500 || res.status === 429) fail('channel.unavailable');
  const body = parseJson(res.body);
  if (body === null) fail('channel.bad_response', { params: { reason: `HTTP ${res.status}, not JSON` } });
  return body;
}

export const forged = (reason: string): never => fail('channel.push_forged', { params: { reason } });
export const badResponse = (reason: string): never => fail('channel.bad_response', { params: { reason } });

/** Splits [from, to) into windows of at most `spanMs` (the channels cap incremental queries). */
export function windows(from: Date, to: Date, spanMs: number): [Date, Date][] {
  const out: [Date, Date][] = [];
  for (let t = from.getTime(); t < to.getTime(); t += spanMs)
    out.push([new Date(t), new Date(Math.min(t + spanMs, to.getTime()))]);
  return out;
}
