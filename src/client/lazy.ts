// The send path, which the client loads at its first flush (one chunk for bundlers): record() and
// the page-exit path do not need it, so a page's start does not pay for it (docs/client.md, "Size").
export { Delivery } from './delivery.js';
export { recordSync, verify } from './sync.js';
