import { workerdStores } from './do-store-workerd.js';
import { storeConformance } from './store-conformance.js';

/**
 * durableObjectStore in real workerd (miniflare): the store runs in the fixture
 * Worker, as a front Worker runs it, over Durable Objects with SQLite storage
 * persisted in a temp folder; each Store call of the suite is one request to that
 * Worker. "Reopen" restarts workerd on the same folder: the store serves on.
 */
const newStore = workerdStores('store');

storeConformance('durableObjectStore in workerd (Durable Objects with SQLite storage)', async () => {
  const store = newStore();
  return {
    store,
    reopen: async () => {
      await newStore.restart();
      return store;
    },
    cleanup: async () => {},
  };
}, true);
