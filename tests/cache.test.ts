import { describe, expect, it } from 'vitest';
import { LruCache } from '../src/cache.js';

describe('LruCache', () => {
  it('makes a value once and returns the cached one after', () => {
    const cache = new LruCache<string, object>(2);
    let made = 0;
    const make = () => ({ n: ++made });
    const first = cache.getOrCreate('a', make);
    expect(cache.getOrCreate('a', make)).toBe(first);
    expect(made).toBe(1);
  });
  it('holds at most its capacity and forgets the least recently used entry first', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // now b is the least recently used
    cache.set('c', 3);
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
  });
  it('empties on clear', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.get('a')).toBeUndefined();
  });
});
