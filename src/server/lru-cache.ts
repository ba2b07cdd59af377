/**
 * A least-recently-used cache of values that never change once known (tiles, sealed heads): a Map in use
 * order, the oldest entry dropped past `capacity`.
 */
export class LruCache<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly capacity: number) {}

  get(key: string): V | undefined {
    const hit = this.map.get(key);
    if (hit !== undefined) {
      this.map.delete(key);
      this.map.set(key, hit);
    }
    return hit;
  }

  /** Removes the entry of `key` and returns it: for a value that serves once. */
  take(key: string): V | undefined {
    const hit = this.map.get(key);
    if (hit !== undefined) this.map.delete(key);
    return hit;
  }

  set(key: string, value: V): void {
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value!);
  }
}
