#!/usr/bin/env node
// Witness benchmark over the BUILT package (run `npm run build` first): checkpoints cosigned per second.
// Each checkpoint is a real one: 200 logs of up to 65,536 entries, each checkpoint signed by its log
// (ECDSA P-256 0x02 and Ed25519 0x01, as PROTOCOL.md §4.4), submitted with the RFC 9162 consistency
// proof from the size last cosigned. Per checkpoint the witness verifies both log signatures and the
// proof, signs one cosignature/v1 and persists its state before it answers.
// Measured: the witness alone (memory, SQLite synchronous=NORMAL and FULL, files), over HTTP on
// 127.0.0.1, and with an ML-DSA-44 cosignature added; beside it the floor of the same signature work
// done straight through node:crypto. Target (issue 13): ≥ 2,000 checkpoints/s in Node.
// Prints a table, then one JSON line of rows for bench/run.mjs.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatCheckpoint, formatVkey, leafHash, nodeHash } from '../dist/esm/verify.js';
import { listen } from '../dist/esm/server-node.js';
import {
  cosigner, createWitness, formatAddCheckpoint, generateNoteSigningKey, memoryWitnessStore, witnessFileStore, witnessHandler, witnessSqliteStore,
} from '../dist/esm/witness-node.js';

const LOGS = Number(process.env.WITNESS_BENCH_LOGS ?? 200);
const STEPS = Number(process.env.WITNESS_BENCH_STEPS ?? 25);
const TREE = 65_536;
const rows = [];
const log = (...a) => console.error(...a);

// One tree shared by every log (different origins and keys): level tables for O(log n) subtree roots.
const levels = [Array.from({ length: TREE }, (_, i) => leafHash(Uint8Array.from({ length: 32 }, (_, j) => (i * 7 + j) & 255)))];
while (levels.at(-1).length > 1) {
  const below = levels.at(-1);
  levels.push(Array.from({ length: below.length / 2 }, (_, i) => nodeHash(below[2 * i], below[2 * i + 1])));
}
/** MTH(D[a:b]) from the aligned nodes (SUBPROOF only asks for ranges that split into them). */
function rangeRoot(a, b) {
  const n = b - a;
  if ((n & (n - 1)) === 0 && a % n === 0) return levels[Math.log2(n)][a / n];
  let k = 1;
  while (k * 2 < n) k *= 2;
  return nodeHash(rangeRoot(a, a + k), rangeRoot(a + k, b));
}
function consistency(m, n) {
  const sub = (m, a, b, complete) => {
    if (m === b - a) return complete ? [] : [rangeRoot(a, b)];
    let k = 1;
    while (k * 2 < b - a) k *= 2;
    if (m <= k) return [...sub(m, a, a + k, complete), rangeRoot(a + k, b)];
    return [...sub(m - k, a + k, b, false), rangeRoot(a, a + k)];
  };
  return sub(m, 0, n, true);
}

log(`making ${LOGS} logs × ${STEPS} checkpoints…`);
// The logs sign through node:crypto: an implementation of PROTOCOL.md §4.4 apart from the witness's.
const keyId = (bytes) => createHash('sha256').update(bytes).digest().subarray(0, 4);
const line = (name, id, sig) => `— ${name} ${Buffer.concat([id, sig]).toString('base64')}\n`;
const logs = [];
for (let l = 0; l < LOGS; l++) {
  const origin = `bench.example/log${l}`;
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ed = generateKeyPairSync('ed25519');
  const spki = ec.publicKey.export({ type: 'spki', format: 'der' });
  const pub = ed.publicKey.export({ type: 'spki', format: 'der' }).subarray(12);
  const edId = keyId(Buffer.concat([Buffer.from(`${origin}\n`), Buffer.of(1), pub]));
  const ecId = keyId(spki);
  const vkeys = [formatVkey(origin, 0x02, new Uint8Array(spki)), formatVkey(origin, 0x01, new Uint8Array(pub))];
  const signed = (text) =>
    `${text}\n${line(origin, ecId, nodeSign('sha256', Buffer.from(text), { key: ec.privateKey, dsaEncoding: 'der' }))}${line(origin, edId, nodeSign(null, Buffer.from(text), ed.privateKey))}`;
  // Sizes grow by 1 to 2,000 entries a step, as seals of a busy log would.
  const bodies = [];
  let size = 0;
  for (let s = 0; s < STEPS; s++) {
    const next = Math.min(TREE, size + 1 + ((l * 7919 + s * 104729) % 2000));
    const note = signed(formatCheckpoint(origin, next, rangeRoot(0, next)));
    bodies.push(formatAddCheckpoint(size, size === 0 ? [] : consistency(size, next), note));
    size = next;
  }
  logs.push({ origin, vkeys, bodies, ec, ed, spki });
}
const total = LOGS * STEPS;
const allVkeys = logs.flatMap((l) => l.vkeys);

/** Submits every checkpoint, one round per step: the logs at once, at most `limit` in flight (and one per log). */
async function run(submit, limit = Infinity) {
  const t = performance.now();
  const cpu = process.cpuUsage();
  for (let s = 0; s < STEPS; s++) {
    let next = 0;
    const worker = async () => {
      while (next < logs.length) {
        const status = await submit(logs[next++].bodies[s]);
        if (status !== 200) throw new Error(`a checkpoint was refused: ${status}`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, logs.length) }, worker));
  }
  return rate(t, cpu);
}
/**
 * Checkpoints per second of wall clock, and per second of this process's CPU time (all its
 * threads: WebCrypto works in libuv's pool). On a shared machine the wall clock measures the
 * neighbours too; CPU time is what one dedicated core would take.
 */
function rate(t, cpu) {
  const used = process.cpuUsage(cpu);
  return { wall: total / ((performance.now() - t) / 1000), cpu: total / ((used.user + used.system) / 1e6) };
}
async function sequential(submit) {
  const t = performance.now();
  const cpu = process.cpuUsage();
  for (let s = 0; s < STEPS; s++) for (const l of logs) if ((await submit(l.bodies[s])) !== 200) throw new Error('refused');
  return rate(t, cpu);
}

const witnessKey = await generateNoteSigningKey('bench.example/witness', 0x04);
const cosigners = [await cosigner(witnessKey)];
const dir = mkdtempSync(join(tmpdir(), 'aegislog-witness-bench-'));
const perSecond = (v) => ({ value: Math.round(v.wall), unit: 'checkpoints/s', cpuRate: Math.round(v.cpu) });
const target = (v) => ({ target: '≥ 2,000 /s', ok: v.wall >= 2000 });

try {
  // Warm-up (JIT, WebCrypto key imports) on a throwaway witness.
  {
    const w = createWitness({ cosigners, logs: allVkeys, store: memoryWitnessStore() });
    await run(async (b) => (await w.addCheckpoint(b)).status);
  }
  const stores = [
    ['memory', () => memoryWitnessStore()],
    ['SQLite synchronous=NORMAL', () => witnessSqliteStore(join(dir, 'normal.db'), { synchronous: 'normal' })],
    ['SQLite synchronous=FULL (fsync per checkpoint)', () => witnessSqliteStore(join(dir, 'full.db'), { synchronous: 'full' })],
    ['files (fsync + rename per checkpoint)', () => witnessFileStore(dir)],
  ];
  for (const [name, open] of stores) {
    const store = await open();
    const w = createWitness({ cosigners, logs: allVkeys, store });
    const v = await run(async (b) => (await w.addCheckpoint(b)).status);
    await store.close?.();
    rows.push({ name: `cosign, ${name}, ${LOGS} logs at once`, ...perSecond(v), ...(name === 'memory' || name.includes('NORMAL') ? target(v) : {}) });
    log(`${name}: ${Math.round(v.wall)} /s (${Math.round(v.cpu)} per CPU-second)`);
  }
  {
    const w = createWitness({ cosigners, logs: allVkeys, store: memoryWitnessStore() });
    const v = await sequential(async (b) => (await w.addCheckpoint(b)).status);
    rows.push({ name: 'cosign, memory, one request at a time', ...perSecond(v) });
  }
  // Public C2SP witnesses trust a log's Ed25519 key (tlog-tiles asks logs for one): the ECDSA line is then unknown, ignored.
  {
    const w = createWitness({ cosigners, logs: logs.map((l) => l.vkeys[1]), store: memoryWitnessStore() });
    const v = await run(async (b) => (await w.addCheckpoint(b)).status);
    rows.push({ name: 'cosign, memory, logs trusted by their Ed25519 key alone', ...perSecond(v), ...target(v) });
  }
  // Over HTTP: the witness behind node:http, and the client (node:http, keep-alive, 64 requests in flight)
  // in a process of its own, so that this process's CPU time is the witness's alone.
  {
    const overHttp = async () => {
      const w = createWitness({ cosigners, logs: allVkeys, store: memoryWitnessStore() });
      const http = await listen(witnessHandler(w), { port: 0, limits: { maxConnectionsPerClient: 0 } }); // one client address here: the benchmark
      const job = join(dir, 'http-load.json');
      const rounds = Array.from({ length: STEPS }, (_, s) => logs.map((l) => l.bodies[s]));
      writeFileSync(job, JSON.stringify({ url: `${http.url}/add-checkpoint`, limit: 64, rounds }));
      const cpu = process.cpuUsage();
      const client = spawn(process.execPath, [fileURLToPath(new URL('./lib/http-load.mjs', import.meta.url)), job], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      client.stdout.on('data', (d) => (out += d));
      const [code] = await once(client, 'exit');
      if (code !== 0) throw new Error(`the HTTP client exited with ${code}`);
      const used = process.cpuUsage(cpu);
      const { ms } = JSON.parse(out);
      await http.close();
      return { wall: total / (ms / 1000), cpu: total / ((used.user + used.system) / 1e6) };
    };
    // Warm-up, as for the rows above: the adapter's and the streams' code is still cold here, and one
    // pass through it ran about a fifth slower per CPU-second than the next.
    const cold = await overHttp();
    log(`over HTTP, warm-up: ${Math.round(cold.wall)} /s (${Math.round(cold.cpu)} per CPU-second)`);
    const v = await overHttp();
    rows.push({ name: 'cosign over HTTP on 127.0.0.1 (node:http, memory, 64 in flight, the client in another process)', ...perSecond(v), ...target(v) });
    rows.push({ name: '  the same, its first pass alone (the adapter\'s code still cold)', ...perSecond(cold) });
    log(`over HTTP: ${Math.round(v.wall)} /s (${Math.round(v.cpu)} per CPU-second of the witness's process)`);
  }
  // With an ML-DSA-44 cosignature beside the Ed25519 one (@noble/post-quantum, pure JS).
  {
    const pq = await cosigner(await generateNoteSigningKey('bench.example/witness', 0x06));
    const w = createWitness({ cosigners: [...cosigners, pq], logs: allVkeys, store: memoryWitnessStore() });
    const v = await run(async (b) => (await w.addCheckpoint(b)).status);
    rows.push({ name: 'cosign with Ed25519 + ML-DSA-44 (memory)', ...perSecond(v) });
  }
  // The floor: the same signature work straight through node:crypto (no parsing, no proof, no state).
  {
    const cpu = process.cpuUsage();
    const text = Buffer.from(formatCheckpoint('bench.example/log0', 1000, rangeRoot(0, 1000)));
    const l = logs[0];
    const ecSig = nodeSign('sha256', text, { key: l.ec.privateKey, dsaEncoding: 'der' });
    const edSig = nodeSign(null, text, l.ed.privateKey);
    const witnessPriv = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(witnessKey.seed)]), format: 'der', type: 'pkcs8' });
    const ecPub = createPublicKey({ key: l.spki, format: 'der', type: 'spki' });
    const n = 5000;
    const t = performance.now();
    for (let i = 0; i < n; i++) {
      if (!nodeVerify('sha256', text, { key: ecPub, dsaEncoding: 'der' }, ecSig) || !nodeVerify(null, text, l.ed.publicKey, edSig)) throw new Error('floor');
      nodeSign(null, Buffer.concat([Buffer.from(`cosignature/v1\ntime ${i}\n`), text]), witnessPriv);
    }
    const v = n / ((performance.now() - t) / 1000);
    const used = process.cpuUsage(cpu);
    const perCpu = n / ((used.user + used.system) / 1e6);
    rows[0] = { ...rows[0], peer: 'node:crypto, signatures only (ECDSA + Ed25519 verify, Ed25519 sign)', peerValue: Math.round(v), peerUnit: '/s', peerCpuRate: Math.round(perCpu) };
  }
  // The same rows per CPU-second (contention-free: what a dedicated core gives), as rows of their own.
  for (const r of [...rows]) {
    rows.push({
      name: `${r.name}, per CPU-second`, value: r.cpuRate, unit: 'checkpoints/CPU-s',
      ...(r.target ? { target: '≥ 2,000 /s', ok: r.cpuRate >= 2000 } : {}),
      ...(r.peerCpuRate ? { peer: r.peer, peerValue: r.peerCpuRate, peerUnit: '/CPU-s' } : {}),
    });
  }
  const load = (await import('node:os')).loadavg()[0];
  rows.push({ name: 'load average (1 min) at the end, on this machine', value: Number(load.toFixed(1)), unit: '' });
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.error('\n| measure | value |\n|---|---|');
for (const r of rows) console.error(`| ${r.name} | ${r.value} ${r.unit} |${r.peer ? ` (${r.peer}: ${r.peerValue} ${r.peerUnit})` : ''}`);
console.log(JSON.stringify(rows));
