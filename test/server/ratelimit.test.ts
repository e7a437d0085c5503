// Client keys for the per-client ingest bucket: stable per address, never the address, remembered per connection
// without mixing up the clients a proxy sends over one connection.
import { describe, expect, test } from "vitest";
import { TokenBuckets, clientKeyer } from "../../server/http/ratelimit.ts";

describe("clientKeyer", () => {
  test("the same address gets the same key, with or without a connection", () => {
    const keyOf = clientKeyer();
    const conn = {};
    const k = keyOf("203.0.113.7");
    expect(k).not.toContain("203.0.113.7");
    expect(keyOf("203.0.113.7", conn)).toBe(k);
    expect(keyOf("203.0.113.7", conn)).toBe(k); // remembered on the connection
    expect(keyOf("203.0.113.7", {})).toBe(k);
  });

  test("another address on the same connection (behind a proxy) gets its own key", () => {
    const keyOf = clientKeyer();
    const conn = {};
    const a = keyOf("198.51.100.1", conn);
    const b = keyOf("198.51.100.2", conn);
    expect(b).not.toBe(a);
    expect(b).toBe(keyOf("198.51.100.2"));
    expect(keyOf("198.51.100.1", conn)).toBe(a);
  });

  test("keys differ between keyers (the HMAC key lives in memory only)", () => {
    expect(clientKeyer()("192.0.2.1")).not.toBe(clientKeyer()("192.0.2.1"));
  });
});

describe("TokenBuckets", () => {
  test("burst, then the steady rate, then a wait in seconds", () => {
    const b = new TokenBuckets(10, 3);
    expect([b.take("k", 1, 0), b.take("k", 1, 0), b.take("k", 1, 0)]).toEqual([0, 0, 0]);
    expect(b.take("k", 1, 0)).toBeCloseTo(0.1);
    expect(b.take("k", 1, 100)).toBe(0); // 100 ms at 10/s refills one token
    expect(b.take("other", 1, 100)).toBe(0); // buckets are per key
  });
});
