/**
 * Runs a Next.js edge route module in @edge-runtime/vm, Vercel's Edge Runtime
 * (Web globals only: no process, no require, no Node built-ins). The module is
 * bundled the way Next.js bundles edge routes (the `edge-light` export
 * condition, `aegislog` resolved through the package's own exports to the
 * BUILT dist/). Two things a Vercel deployment provides are given here, as the
 * platform does: `process.env` (Next.js inlines it for edge code) and the
 * request context through which `waitUntil` of @vercel/functions reaches the
 * platform.
 */
import { build } from 'esbuild';
import { EdgeVM } from '@edge-runtime/vm';
import { resolve } from 'node:path';
import { ROOT } from './workerd.js';

export interface EdgeRoute {
  vm: EdgeVM;
  exports: Record<string, unknown>;
  /** Calls the route's handler for `method` with a Request made inside the VM. */
  call(method: string, url: string, init?: { headers?: Record<string, string>; body?: string }): Promise<Response>;
  /** Promises handed to waitUntil, awaited (what the platform does after the response). */
  settle(): Promise<void>;
}

export async function loadEdgeRoute(entry: string, env: Record<string, string>): Promise<EdgeRoute> {
  const out = await build({
    entryPoints: [resolve(ROOT, entry)],
    absWorkingDir: ROOT,
    bundle: true,
    format: 'iife',
    globalName: '__route',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['edge-light', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    write: false,
    logLevel: 'error',
  });
  const pending: Promise<unknown>[] = [];
  const vm = new EdgeVM({
    extend: (context) => {
      Object.assign(context, { process: { env: { ...env } } });
      (context as unknown as Record<symbol, unknown>)[Symbol.for('@vercel/request-context')] = {
        get: () => ({ waitUntil: (p: Promise<unknown>) => void pending.push(p) }),
      };
      return context;
    },
  });
  vm.evaluate(out.outputFiles[0]!.text);
  const exports = vm.evaluate('__route') as Record<string, unknown>;
  return {
    vm,
    exports,
    async call(method, url, init = {}) {
      const handler = exports[method] as ((r: Request) => Promise<Response>) | undefined;
      if (!handler) throw new Error(`the route exports no ${method}`);
      const request = new vm.context.Request(url, { method, headers: init.headers ?? {}, ...(init.body === undefined ? {} : { body: init.body }) });
      return handler(request as unknown as Request);
    },
    async settle() {
      while (pending.length > 0) await Promise.all(pending.splice(0));
    },
  };
}
