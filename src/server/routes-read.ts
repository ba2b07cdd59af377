import { formatTime, parseTime, tenantHeadHash } from '../protocol/index.js';
import { EVENT_ID } from '../schema/index.js';
import { authenticate, presentedKey, tenantOf } from './auth.js';
import type { Context, Handler } from './context.js';
import { proofOf } from './evidence.js';
import { HttpError, badRequest, json, notFound } from '../transport/web-handler.js';
import type { LeafCursor } from './types.js';

const PAGE = 500;
/** Sorts after every RFC 3339 time: the open end of the open period. */
const OPEN_END = '~';

async function findRecord(request: Request, url: URL, ctx: Context, rawId: string) {
  const key = authenticate(ctx.ring, presentedKey(request), 'read');
  const tenantId = tenantOf(key, url.searchParams.get('tenant_id'));
  const eventId = decodeSegment(rawId, 'event_id');
  const record = await ctx.store.getRecord(tenantId, eventId);
  if (!record) throw notFound(`no event ${eventId} for tenant ${tenantId}`);
  return record;
}

export const evidence: Handler = async (request, url, ctx, [id]) => {
  const record = await findRecord(request, url, ctx, id!);
  return json(200, await ctx.evidenceOf(record));
};

export const verify: Handler = async (request, url, ctx, [id]) => {
  const record = await findRecord(request, url, ctx, id!);
  return json(200, await ctx.verifyAnswer(await ctx.evidenceOf(record), await ctx.publicKeys()));
};

/** NDJSON, one receipt per line in leaf order, streamed page by page so a large period never sits in memory. */
export const exportPeriod: Handler = async (request, url, ctx) => {
  const key = authenticate(ctx.ring, presentedKey(request), 'read');
  const tenantId = tenantOf(key, url.searchParams.get('tenant_id'));
  const requested = url.searchParams.get('period_start');
  let start: string;
  let end: string;
  if (requested === null) {
    start = formatTime(ctx.sealer.openPeriodStart());
    end = OPEN_END;
  } else {
    const checkpoint = await sealedPeriod(ctx, requested);
    [start, end] = [checkpoint.period_start, checkpoint.period_end];
  }
  let cursor: LeafCursor | undefined;
  const lines = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const page = await ctx.store.page(tenantId, start, end, cursor, PAGE);
      if (page.length > 0) {
        controller.enqueue(lines.encode(page.map((r) => `${JSON.stringify(r.receipt)}\n`).join('')));
        cursor = page.at(-1)!.receipt;
      }
      if (page.length < PAGE) controller.close();
    },
  });
  return new Response(body, {
    headers: {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'cache-control': 'no-store',
      'aegislog-period-start': start,
      'aegislog-period-end': end === OPEN_END ? '' : end,
      'aegislog-sealed': String(end !== OPEN_END),
    },
  });
};

export const checkpoints: Handler = async (request, url, ctx) => {
  authenticate(ctx.ring, presentedKey(request), 'read');
  const from = timeParam(url, 'from');
  const to = timeParam(url, 'to');
  const limitText = url.searchParams.get('limit');
  const limit = limitText === null ? 1000 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badRequest('limit must be an integer in [1, 1000]', 'limit');
  return json(200, { checkpoints: await ctx.store.checkpoints(from, to, limit) });
};

/** Extension: a tenant's signed head of a sealed period, for auditing an export without fetching evidence. */
export const head: Handler = async (request, url, ctx) => {
  const key = authenticate(ctx.ring, presentedKey(request), 'read');
  const tenantId = tenantOf(key, url.searchParams.get('tenant_id'));
  const requested = url.searchParams.get('period_start');
  if (requested === null) throw badRequest('period_start is required', 'period_start');
  const checkpoint = await sealedPeriod(ctx, requested);
  const heads = await ctx.store.tenantHeads(checkpoint.period_start);
  const index = heads.findIndex((h) => h.tenant_id === tenantId);
  if (index < 0) throw notFound(`tenant ${tenantId} has no receipts in the period starting ${checkpoint.period_start}`);
  return json(200, { tenant_head: heads[index], tenant_inclusion: proofOf(index, heads.map(tenantHeadHash)), checkpoint });
};

async function sealedPeriod(ctx: Context, periodStart: string) {
  parseTime(periodStart, 'period_start');
  const checkpoint = await ctx.store.checkpointAt(periodStart);
  if (!checkpoint || checkpoint.period_start !== periodStart) throw notFound(`no sealed period starts at ${periodStart}`);
  return checkpoint;
}

function timeParam(url: URL, name: string): string | undefined {
  const value = url.searchParams.get(name);
  if (value === null) return undefined;
  parseTime(value, name);
  return value;
}

function decodeSegment(raw: string, field: string): string {
  let value: string;
  try {
    value = decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, 'bad_request', `${field} is not valid percent-encoding`, field);
  }
  if (!EVENT_ID.test(value)) throw badRequest(`${field} must be 1–128 of [A-Za-z0-9._:-]`, field);
  return value;
}
