/** The read routes of a tenant (read scope, §8): evidence, `/verify`, the period export, heads. */
import { b64uEncode } from '../protocol/index.js';
import type { ExportHeader, ExportLine } from '../protocol/index.js';
import { EVENT_ID, EVENT_ID_RULE } from '../schema/index.js';
import { frontierFromTiles } from '../tlog/tile-proofs.js';
import { authenticate, identify, presentedKey, tenantOf } from './auth.js';
import type { ApiKeyConfig } from './auth.js';
import { admitHeld } from './in-flight.js';
import { BYTES_PER_UNIT } from './context.js';
import type { Context, Handler } from './context.js';
import { consistencyIn, evidenceOf, proofIn } from './evidence.js';
import { receiptFor } from './ingest.js';
import { storeTiles } from './tile-source.js';
import { HttpError, badRequest, notFound } from '../transport/web-handler.js';
import { jsonAnswer } from './answer.js';
import { booleanParam, countParam, queryParam, timeParam } from './query.js';
import { outOfDebt } from './rate-limit.js';
import { ROOT_LOG, type StoredHead } from './types.js';

const PAGE = 500;
/**
 * Export lines that cost one unit of the key's rate (`Limits.keyRatePerSecond`): a line costs the
 * server about a tenth of what an ingested event does (a page read, a receipt, its JSON).
 */
export const EXPORT_LINES_PER_UNIT = 8;
const encoder = new TextEncoder();

/** The record a read route names; `readQuery` reads the route's own parameters once the key is known to be good for it. */
async function findRecord(request: Request, url: URL, ctx: Context, rawId: string, readQuery?: () => void) {
  const key = authenticate(ctx.ring, presentedKey(request), 'read');
  const tenantId = tenantOf(key, queryParam(url, 'tenant_id'));
  const eventId = decodeSegment(rawId, 'event_id');
  readQuery?.();
  const record = await ctx.store.getRecord(tenantId, eventId);
  if (!record) throw notFound(`no event ${eventId} for tenant ${tenantId}`);
  return record;
}

/**
 * `GET /evidence/{id}?tenant_id=[&from_size=M]`: the bundle (§6.1); with `from_size`, a sealed one carries
 * its optional `consistency` proof from the auditor's trusted checkpoint of M entries to the bundle's own.
 */
export const evidence: Handler = async (request, url, ctx, [id]) => {
  let fromSize: number | undefined;
  // After the key, as every read route checks it: a request without one is 401 whatever its query.
  const record = await findRecord(request, url, ctx, id!, () => (fromSize = queryParam(url, 'from_size') === null ? undefined : countParam(url, 'from_size')));
  const bundle = await evidenceOf(ctx, record);
  if (fromSize !== undefined && bundle.status === 'sealed') {
    // The proofs are cut to the checkpoint's size, which head_inclusion is at.
    const size = bundle.head_inclusion!.tree_size;
    if (fromSize > size) throw badRequest(`from_size ${fromSize} is beyond the log's latest checkpoint (${size} entries): that checkpoint is not this log's`, 'from_size');
    // from_size is the caller's choice, as /proof/consistency's pairs are: served from the cache, never kept in it.
    bundle.consistency = { from_size: fromSize, path_b64url: await consistencyIn(ctx, fromSize, size, { keep: false }) };
  }
  return jsonAnswer(200, bundle);
};

export const verify: Handler = async (request, url, ctx, [id]) => {
  const record = await findRecord(request, url, ctx, id!);
  return jsonAnswer(200, await ctx.verifyAnswer(await evidenceOf(ctx, record), await ctx.publicKeys()));
};

/** `GET /head?tenant_id=&period_start=`: a tenant head with its inclusion in the latest checkpoint. */
export const head: Handler = async (request, url, ctx) => {
  const key = authenticate(ctx.ring, presentedKey(request), 'read');
  const tenantId = tenantOf(key, queryParam(url, 'tenant_id'));
  const stored = await headOfPeriod(ctx, tenantId, timeParam(url, 'period_start'));
  const { note, checkpoint } = await ctx.latestNote();
  return jsonAnswer(200, {
    tenant_head: stored.head,
    head_index: stored.headIndex,
    head_inclusion: await proofIn(ctx, ROOT_LOG, stored.headIndex, checkpoint!.tree_size),
    checkpoint: note,
  });
};

/** `GET /logs/<tenant>/heads`: NDJSON of every head of the tenant, oldest first (§5), streamed page by page. */
export const heads: Handler = async (request, url, ctx, [rawTenant]) => {
  const key = identify(ctx.ring, presentedKey(request), 'read');
  // One of the key's requests in flight until its stream ends, fails or is cancelled, as an export is.
  const release = admitHeld(ctx, key);
  let tenantId: string;
  try {
    tenantId = tenantOf(key, decodeURIComponentSafe(rawTenant!, 'tenant_id'));
  } catch (error) {
    release();
    throw error;
  }
  const { gone, end } = streamEnd(request, release);
  let after: number | undefined;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const page: StoredHead[] = await ctx.store.heads(tenantId, after, PAGE);
        if (page.length > 0) {
          controller.enqueue(encoder.encode(page.map((h) => `${JSON.stringify({ tenant_head: h.head, head_index: h.headIndex })}\n`).join('')));
          after = page.at(-1)!.headIndex;
        }
        // A head costs what an export line does: short periods kept long make hundreds of thousands of them.
        ctx.ring.budget.charge(key, page.length / EXPORT_LINES_PER_UNIT);
        if (page.length < PAGE) return controller.close(), end();
        await outOfDebt(ctx.ring.budget, key, gone);
        if (gone.aborted) throw gone.reason;
      } catch (error) {
        end();
        throw error;
      }
    },
    cancel: end,
  });
  return new Response(body, { headers: { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' } });
};

/**
 * `GET /export?tenant_id=&period_start=[&events=true]` (§6.2): a header proving the
 * head and the previous one in the latest checkpoint, with the tenant log's frontier
 * at the previous head, then the period's receipts in leaf order, streamed page by
 * page so a period of any size never sits in memory. Without `period_start`: the
 * receipts no head covers yet, under a header whose `tenant_head` is null.
 */
export const exportPeriod: Handler = async (request, url, ctx) => {
  const key = identify(ctx.ring, presentedKey(request), 'read');
  // One of the key's requests in flight until its stream ends, fails or is cancelled (the client went away).
  const release = admitHeld(ctx, key);
  try {
    return exportStream(request, await exportHeader(url, ctx, key), ctx, key, release);
  } catch (error) {
    release();
    throw error;
  }
};

interface ExportStart {
  header: ExportHeader;
  current: StoredHead | undefined;
  tenantId: string;
  events: boolean;
  from: number;
  to: number;
}

async function exportHeader(url: URL, ctx: Context, key: ApiKeyConfig): Promise<ExportStart> {
  const tenantId = tenantOf(key, queryParam(url, 'tenant_id'));
  const events = booleanParam(url, 'events');
  const current = queryParam(url, 'period_start') === null ? undefined : await headOfPeriod(ctx, tenantId, timeParam(url, 'period_start'));
  const previousIndex = current ? current.head.prev_head_index : ((await ctx.store.lastHead(tenantId))?.headIndex ?? null);
  const previous = previousIndex === null ? undefined : await ctx.store.headAt(previousIndex);
  const { note, checkpoint } = await ctx.latestNote();
  const rootSize = checkpoint?.tree_size ?? 0;
  const inclusion = (h: StoredHead | undefined) => (h ? proofIn(ctx, ROOT_LOG, h.headIndex, rootSize) : null);
  const from = previous?.head.tree_size ?? 0;
  const to = current?.head.tree_size ?? (await ctx.store.logSize(tenantId));
  const frontier = await frontierFromTiles(from, storeTiles(ctx.store, tenantId, ctx.tileCache));
  const header: ExportHeader = {
    v: 2,
    kind: 'aegislog-export',
    origin: ctx.origin,
    tenant_head: current?.head ?? null,
    head_index: current?.headIndex ?? null,
    head_inclusion: await inclusion(current),
    prev_head: previous?.head ?? null,
    prev_head_index: previous?.headIndex ?? null,
    prev_head_inclusion: await inclusion(previous),
    frontier_b64url: frontier.map(b64uEncode),
    checkpoint: note,
  };
  return { header, current, tenantId, events, from, to };
}

function exportStream(request: Request, start: ExportStart, ctx: Context, key: ApiKeyConfig, release: () => void): Response {
  const { header, current, tenantId, events, to } = start;
  let next = start.from;
  let started = false;
  const { gone, end } = streamEnd(request, release);
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (await sendPage(controller)) end();
      } catch (error) {
        end();
        throw error; // errors the stream: a reader must not take a cut export for a whole one
      }
    },
    cancel: end,
  });
  /** Sends the next page; true once the export is complete. */
  async function sendPage(controller: ReadableStreamDefaultController<Uint8Array>): Promise<boolean> {
    if (!started) {
      started = true;
      controller.enqueue(encoder.encode(`${JSON.stringify(header)}\n`));
    }
    const page = next < to ? await ctx.store.records(tenantId, next, to, PAGE) : [];
    const lines: string[] = [];
    let eventChars = 0;
    for (const record of page) {
      const line: ExportLine = { ...(await receiptFor(ctx, record)), leaf_index: record.leafIndex, ...(events ? { event: record.event } : {}) };
      lines.push(`${JSON.stringify(line)}\n`);
      if (events) eventChars += record.eventJson.length;
    }
    if (lines.length > 0) controller.enqueue(encoder.encode(lines.join('')));
    next += page.length;
    // Admitted for one unit, an export of a whole period used to cost one: it now streams at the key's rate,
    // so that parallel exports with one key share its budget instead of each taking a core. The events it
    // carries count as an ingested body's bytes do: a line of a 1 MB event cost 1/8 unit, as a receipt's line does.
    ctx.ring.budget.charge(key, page.length / EXPORT_LINES_PER_UNIT + eventChars / BYTES_PER_UNIT);
    if (page.length === 0 || next >= to) return controller.close(), true;
    await outOfDebt(ctx.ring.budget, key, gone);
    if (gone.aborted) throw gone.reason;
    return false;
  }
  return new Response(body, {
    headers: {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'cache-control': 'no-store',
      'aegislog-period-start': current?.head.period_start ?? '',
      'aegislog-period-end': current?.head.period_end ?? '',
      'aegislog-sealed': String(current !== undefined),
    },
  });
};

async function headOfPeriod(ctx: Context, tenantId: string, periodStart: string): Promise<StoredHead> {
  const found = await ctx.store.headFor(tenantId, periodStart);
  if (!found) throw notFound(`tenant ${tenantId} has no head for a sealed period starting at ${periodStart} (not sealed yet, or no receipts in it)`);
  return found;
}

/** The tenant of a `/logs/<tenant_id>/...` route, which needs a read key for that tenant. */
export function logTenant(request: Request, url: URL, ctx: Context, rawTenant: string): string {
  const key = authenticate(ctx.ring, presentedKey(request), 'read');
  return tenantOf(key, decodeURIComponentSafe(rawTenant, 'tenant_id'));
}

function decodeURIComponentSafe(raw: string, field: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, 'bad_request', `${field} is not valid percent-encoding`, field);
  }
}

function decodeSegment(raw: string, field: string): string {
  const value = decodeURIComponentSafe(raw, field);
  if (!EVENT_ID.test(value)) throw badRequest(`${field} must be ${EVENT_ID_RULE}`, field);
  return value;
}

/**
 * The end of a streamed read (an export, a tenant's heads): `end` lets its key's slot in flight go and aborts
 * `gone`, which stops a wait for the key's rate rather than run out its debt. Called when the stream ends or fails,
 * and when the client goes (the host cancels the body: the Node adapter on the socket's close; or aborts the
 * request's signal).
 */
function streamEnd(request: Request, release: () => void): { gone: AbortSignal; end: () => void } {
  const controller = new AbortController();
  const end = () => {
    controller.abort();
    release();
  };
  // A signal aborted already (the client went before the handler got here) fires no listener: nobody pulls this body.
  if (request.signal?.aborted) end();
  else request.signal?.addEventListener('abort', end, { once: true });
  return { gone: controller.signal, end };
}
