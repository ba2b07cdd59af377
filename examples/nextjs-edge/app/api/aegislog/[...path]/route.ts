// app/api/aegislog/[...path]/route.ts: the browser client posts here (endpoint '/api/aegislog'),
// with no key; the relay checks each event, adds the secret key and forwards to AegisLog.
import { createRelay } from 'aegislog/edge';

export const runtime = 'edge';

const relay = createRelay({
  endpoint: process.env.AEGISLOG_ENDPOINT!,
  apiKey: process.env.AEGISLOG_API_KEY!, // secret: set it in the project's environment variables
  allowedOrigins: (process.env.APP_ORIGINS ?? '').split(','),
  rateLimit: { burst: 20, perSecond: 5 },
});

export const POST = (request: Request) => relay(request);
export const OPTIONS = (request: Request) => relay(request);
