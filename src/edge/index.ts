// Entry "aegislog/edge": helpers for edge functions (Cloudflare Workers, Vercel Edge).
export { createRelay, type Relay, type RelayOptions } from './relay.js';
export type { RateLimitOptions } from './rate-limit.js';
export type { BatchAnswer, BatchError } from './forward.js';
