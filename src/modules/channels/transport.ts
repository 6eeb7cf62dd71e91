/**
 * The transport real connectors use: HTTPS to the channel's gateway, with a timeout. A channel that
 * cannot be reached is `channel.unavailable` (the caller keeps its row and tries again).
 */
import { fail } from '../../platform/errors.js';
import type { ChannelTransport } from './connectors/index.js';

export const fetchTransport =
  (timeoutMs = 10_000): ChannelTransport =>
  async (req) => {
    try {
      const res = await fetch(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.method === 'POST' ? req.body : undefined,
        signal: AbortSignal.timeout(timeoutMs),
      });
      return {
        status: res.status,
        headers: Object.fromEntries(res.headers.entries()),
        body: await res.text(),
      };
    } catch {
      return fail('channel.unavailable');
    }
  };
