/**
 * Keeps a pending load in `cache` under `key`; a load that fails is let go, so that the next ask tries
 * again. Only this very load: if it was evicted while pending, the key may hold a newer one by now, which
 * must stay. Returns the load.
 */
export function cacheUntilFailed<K, V>(cache: Map<K, Promise<V>>, key: K, load: Promise<V>): Promise<V> {
  cache.set(key, load);
  load.catch(() => {
    if (cache.get(key) === load) cache.delete(key);
  });
  return load;
}
