// Offline support for the auditor page: once loaded, it opens and verifies
// without any network. Network first (so a rebuilt page is picked up at once),
// the cached copy when the network fails or stalls. Only this folder's own
// files are cached; anything else (a JWKS URL) passes through untouched.

// The project's typecheck uses the DOM lib (the WebWorker lib conflicts with
// it), so the few service-worker shapes used here are declared locally.
interface SwEvent extends Event { waitUntil(promise: Promise<unknown>): void }
interface SwFetchEvent extends SwEvent { request: Request; respondWith(response: Promise<Response>): void }
interface SwScope {
  registration: { scope: string };
  clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (event: SwEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: SwFetchEvent) => void): void;
}
const sw = self as unknown as SwScope;

const CACHE = 'aegislog-auditor-v1';
const ASSETS = ['./', './index.html', './auditor.js', './demo.css'];
const NETWORK_TIMEOUT_MS = 3000;

sw.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(ASSETS)).then(() => sw.skipWaiting()));
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(sw.clients.claim());
});

sw.addEventListener('fetch', (event) => {
  const request = event.request;
  const scope = new URL(sw.registration.scope);
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return;
  event.respondWith(networkFirst(request));
});

async function networkFirst(request: Request): Promise<Response> {
  const cache = await caches.open(CACHE);
  try {
    const response = await withTimeout(fetch(request), NETWORK_TIMEOUT_MS);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(request, { ignoreSearch: true });
    if (cached) return cached;
    throw error;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('network timeout')), ms);
    promise.then(
      (value) => { clearTimeout(timer); resolve(value); },
      (error: unknown) => { clearTimeout(timer); reject(error); },
    );
  });
}

export {};
