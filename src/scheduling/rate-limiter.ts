// A token bucket per connector: at most `perSecond` calls a second, with bursts up to one
// second's worth. Per process: N engine processes on one database share a connector's limit
// only approximately (each allows perSecond); configure perSecond / N where that matters.

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /** Takes a token and returns 0, or returns how many ms until one is free (taking none). */
  reserve(key: string, perSecond: number | undefined, now: number): number {
    if (!perSecond) return 0;
    const capacity = Math.max(1, perSecond);
    const bucket = this.buckets.get(key) ?? { tokens: capacity, updatedAt: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.updatedAt) / 1000) * perSecond);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) / perSecond) * 1000);
  }
}
