// What the client loads after it starts (one chunk for bundlers): the send path and recordSync/verify.
export { Delivery } from './delivery.js';
export { recordSync, verify } from './sync.js';
