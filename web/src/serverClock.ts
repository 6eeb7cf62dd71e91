/**
 * The server's time as the pages count with it. Deadlines are set by the server's clock — which,
 * outside production, an admin may move forward (the test clock) — so countdowns follow the
 * server: the offset between its `time` (GET /api/health) and the browser's is measured at start
 * and once a minute, halfway through the round trip.
 */
let offsetMs = 0;
let started = false;

async function measure(): Promise<void> {
  try {
    const sent = Date.now();
    const res = await fetch('/api/health', { cache: 'no-store' });
    if (!res.ok) return;
    const body = (await res.json()) as { time?: unknown };
    const received = Date.now();
    const server = typeof body.time === 'string' ? Date.parse(body.time) : NaN;
    if (!Number.isNaN(server)) offsetMs = server - (sent + received) / 2;
  } catch {
    // offline or not served: keep the last offset
  }
}

/** Starts measuring (idempotent); the first measure runs at once. */
export function startServerClock(): void {
  if (started) return;
  started = true;
  void measure();
  window.setInterval(() => void measure(), 60_000);
}

/** Now, on the server's clock. */
export const serverNow = (): number => Date.now() + offsetMs;
