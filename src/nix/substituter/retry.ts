import { setTimeout as sleep } from 'node:timers/promises';
import { isTransient } from '../errors.js';

/** Bounded retries with exponential backoff and jitter, for transient failures only. */
export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseMs: 250, maxMs: 8000 };

export async function withRetries<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  signal?: AbortSignal,
  onRetry?: (attempt: number, err: unknown) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!isTransient(err) || attempt >= policy.attempts || signal?.aborted) throw err;
      onRetry?.(attempt, err);
      const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
      // "Equal jitter": at least half the backoff, so retries never bunch up at zero.
      await sleep(cap / 2 + Math.random() * (cap / 2), undefined, { signal });
    }
  }
}
