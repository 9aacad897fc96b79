// Sign-in throttling: at most 10 failed sign-ins in 15 minutes per account and per IP address.
// Pure: the caller counts the failures; this says whether one more try is allowed and when.

export const MAX_FAILURES = 10;
export const WINDOW_MS = 15 * 60 * 1000;

export interface RecentFailures {
  failures: number;
  /** The oldest failure inside the window, RFC 3339. */
  oldest: string | null;
}

export function windowStart(now: Date): string {
  return new Date(now.getTime() - WINDOW_MS).toISOString();
}

/** Seconds until another try is allowed, or 0 when it is allowed now. */
export function retryAfterSeconds(subjects: readonly RecentFailures[], now: Date): number {
  let waitMs = 0;
  for (const { failures, oldest } of subjects) {
    if (failures < MAX_FAILURES || !oldest) continue;
    waitMs = Math.max(waitMs, new Date(oldest).getTime() + WINDOW_MS - now.getTime());
  }
  return waitMs > 0 ? Math.ceil(waitMs / 1000) : 0;
}
