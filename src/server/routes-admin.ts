import { formatTime } from '../protocol/index.js';
import { authenticate, presentedKey } from './auth.js';
import type { Handler } from './context.js';
import { notFound } from '../transport/web-handler.js';
import { jsonAnswer } from './answer.js';
import { jwkToSpkiPem } from './signers/keys.js';
import type { StoredCheckpoint } from './types.js';

const summary = ({ seq: _, note: __, ...c }: StoredCheckpoint) => c;

/** `POST /admin/seal`: seals the open period now (and any that ended before); concurrent calls share one seal. */
export const seal: Handler = async (request, _url, ctx) => {
  authenticate(ctx.ring, presentedKey(request), 'admin');
  const sealed = await ctx.sealer.sealNow();
  const { note, checkpoint } = await ctx.latestNote();
  return jsonAnswer(200, { sealed: sealed.map(summary), latest: checkpoint ? { ...summary(checkpoint), note } : null });
};

/** JWKS of every key this log has signed receipts with (§7). Public: an auditor still pins the key out of band. */
export const jwks: Handler = async (_request, _url, ctx) =>
  jsonAnswer(200, { keys: await ctx.publicKeys() }, { 'cache-control': 'public, max-age=300' });

export const pem: Handler = async (_request, _url, ctx, [rawKid]) => {
  let kid: string | undefined;
  try {
    kid = decodeURIComponent(rawKid!); // a KMS ARN travels percent-encoded (`%2F` for its slash)
  } catch {
    kid = undefined;
  }
  const jwk = (await ctx.publicKeys()).find((k) => k.kid === kid);
  if (!jwk) throw notFound('no such key');
  return new Response(await jwkToSpkiPem(jwk), {
    headers: { 'content-type': 'application/x-pem-file', 'cache-control': 'public, max-age=300' },
  });
};

export const healthz: Handler = async (_request, _url, ctx) => {
  const latest = await ctx.sealer.current(); // (and the open period's start with it)
  const step = ctx.now.ignoredStep?.() ?? 0;
  return jsonAnswer(200, {
    ok: true,
    origin: ctx.origin,
    key_id: ctx.signer.keyId,
    period_seconds: ctx.periodSeconds,
    open_period_start: formatTime(ctx.sealer.openPeriodStart()),
    latest_checkpoint: latest ? { tree_size: latest.tree_size, period_end: latest.period_end } : null,
    clock: step > 0 ? { ok: false, ignored_forward_step_ms: Math.round(step) } : { ok: true },
    witnesses: ctx.witnesses().map(({ name, last_cosigned_size, last_error }) => ({ name, last_cosigned_size, last_error })),
  });
};
