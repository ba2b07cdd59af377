import { AegisLogError, type EcPublicJwk } from '../protocol/index.js';
import { edgeTilesOf } from '../tlog/tile-append.js';
import type { TileWrite } from '../tlog/tile-append.js';
import { EMPTY_LOG, planAppend, type LogState } from './sequence.js';
import { compareTenantIds, countBefore, headEntry, mergeNotes, missingTile, recordsPage, sealOrderError, signatureWritesError } from './store-rules.js';
import { ROOT_LOG, type LogName, type Store, type StoredCheckpoint, type StoredHead, type StoredRecord } from './types.js';

interface MemoryLog {
  state: LogState;
  entries: StoredRecord[];
  tiles: Map<string, Uint8Array>;
  heads: StoredHead[];
}

/**
 * A store in memory, for tests and demos: everything is lost when the process
 * ends. Every call runs in one synchronous step, so each is atomic, and the
 * event loop is the sequencer.
 */
export function memoryStore(): Store {
  const records = new Map<string, StoredRecord>();
  const logs = new Map<string, MemoryLog>();
  const rootTiles = new Map<string, Uint8Array>();
  const rootHeads: StoredHead[] = [];
  const history: StoredCheckpoint[] = [];
  const keyMap = new Map<string, EcPublicJwk & { kid: string }>();
  const witnesses = new Map<string, number>();
  let closedUntil: string | undefined;
  let lease: { holder: string; until: number } | undefined;
  const idOf = (tenantId: string, eventId: string) => `${tenantId}\u0000${eventId}`;
  const logOf = (tenantId: string): MemoryLog => logs.get(tenantId) ?? { state: EMPTY_LOG, entries: [], tiles: new Map(), heads: [] };
  const tilesOf = (log: LogName) => (log === ROOT_LOG ? rootTiles : logs.get(log)?.tiles);
  const write = (tiles: Map<string, Uint8Array>, writes: readonly TileWrite[]) => {
    for (const { tile, bytes } of writes) tiles.set(`${tile.level}/${tile.index}`, bytes);
  };

  return {
    async append(request) {
      const log = logOf(request.tenantId);
      const edge: Uint8Array[] = [];
      for (const t of edgeTilesOf(log.state.size)) edge[t.level] = log.tiles.get(`${t.level}/${t.index}`)!;
      const plan = planAppend(request, log.state, closedUntil, (id) => records.get(idOf(request.tenantId, id)), edge);
      if (plan.added.length === 0) return plan.outcomes;
      for (const record of plan.added) {
        records.set(idOf(request.tenantId, record.statement.event_id), record);
        log.entries.push(record);
      }
      write(log.tiles, plan.writes);
      log.state = plan.state;
      logs.set(request.tenantId, log);
      return plan.outcomes;
    },
    async putSignatures(signatures) {
      const problem = signatureWritesError(signatures);
      if (problem) throw problem;
      for (const { tenantId, eventId, signature_b64url } of signatures) {
        const record = records.get(idOf(tenantId, eventId));
        if (record && record.signature_b64url === null) record.signature_b64url = signature_b64url;
      }
    },
    async getRecord(tenantId, eventId) {
      const record = records.get(idOf(tenantId, eventId));
      return record && { ...record };
    },
    async records(tenantId, from, to, limit) {
      const range = (logs.get(tenantId)?.entries ?? []).slice(from, Math.min(to, from + limit));
      return recordsPage(range, (r) => r.eventJson.length).map((r) => ({ ...r }));
    },
    async logSize(log) {
      return log === ROOT_LOG ? rootHeads.length : (logs.get(log)?.state.size ?? 0);
    },
    async readTiles(log, refs) {
      const tiles = tilesOf(log);
      return refs.map((ref) => {
        const bytes = tiles?.get(`${ref.level}/${ref.index}`);
        if (!bytes || bytes.length < 32 * ref.width) throw missingTile(ref, `log "${log}"`);
        return bytes;
      });
    },
    async entryData(log, from, to) {
      if (log === ROOT_LOG) return rootHeads.slice(from, to).map(headEntry);
      return (logs.get(log)?.entries ?? []).slice(from, to).map((r) => r.receiptHash);
    },

    async closedUntil() {
      return closedUntil;
    },
    async closePeriod(periodEnd) {
      if (closedUntil !== undefined && periodEnd < closedUntil) throw new AegisLogError('ERR_PERIOD_ORDER', `closed_until is ${closedUntil}; cannot close at the earlier ${periodEnd}`);
      closedUntil = periodEnd;
    },
    async grownLogs(periodEnd) {
      const grown = [...logs.entries()].filter(([, log]) => log.state.pendingSince !== undefined && log.state.pendingSince < periodEnd);
      return grown
        .sort(([a], [b]) => compareTenantIds(a, b))
        .map(([tenantId, { state }]) => ({ tenantId, prevTreeSize: state.headSize, prevHeadIndex: state.lastHeadIndex }));
    },
    async sizeAt(tenantId, time) {
      const entries = logs.get(tenantId)?.entries ?? [];
      return countBefore(entries.length, (i) => entries[i]!.statement.received_at, time);
    },
    async commitSeal(seal) {
      const problem = sealOrderError(history.at(-1), seal, rootHeads.length);
      if (problem) throw problem;
      write(rootTiles, seal.rootWrites);
      for (const stored of seal.heads) {
        rootHeads.push(stored);
        const log = logs.get(stored.head.tenant_id)!;
        log.heads.push(stored);
        const next = log.entries[stored.head.tree_size];
        log.state = { ...log.state, headSize: stored.head.tree_size, lastHeadIndex: stored.headIndex, pendingSince: next?.statement.received_at };
      }
      const checkpoint: StoredCheckpoint = {
        seq: history.length,
        note: seal.note,
        tree_size: seal.rootSize,
        period_start: seal.period_start,
        period_end: seal.period_end,
        sealed_at: seal.sealed_at,
      };
      history.push(checkpoint);
      return { ...checkpoint };
    },
    async earliestPending() {
      let earliest: string | undefined;
      for (const { state } of logs.values()) if (state.pendingSince !== undefined && (earliest === undefined || state.pendingSince < earliest)) earliest = state.pendingSince;
      return earliest;
    },

    async latestCheckpoint() {
      const latest = history.at(-1);
      return latest && { ...latest };
    },
    async checkpoints(from, to) {
      return history.slice(from, to).map((c) => ({ ...c }));
    },
    async updateNote(seq, note) {
      const checkpoint = history[seq];
      if (!checkpoint) throw new Error(`no checkpoint ${seq}`);
      checkpoint.note = mergeNotes(checkpoint.note, note);
    },

    async headFor(tenantId, periodStart) {
      return logs.get(tenantId)?.heads.find((h) => h.head.period_start === periodStart);
    },
    async headCovering(tenantId, leafIndex) {
      const heads = logs.get(tenantId)?.heads ?? [];
      return heads.find((h) => h.head.prev_tree_size <= leafIndex && leafIndex < h.head.tree_size);
    },
    async lastHead(tenantId) {
      return logs.get(tenantId)?.heads.at(-1);
    },
    async heads(tenantId, after, limit) {
      const heads = logs.get(tenantId)?.heads ?? [];
      return heads.filter((h) => after === undefined || h.headIndex > after).slice(0, limit);
    },
    async headAt(headIndex) {
      return rootHeads[headIndex];
    },

    async witnessSizes() {
      return Object.fromEntries(witnesses);
    },
    async putWitnessSize(witness, size) {
      witnesses.set(witness, Math.max(size, witnesses.get(witness) ?? 0)); // only forward, as every store
    },
    async putKey(jwk) {
      if (!keyMap.has(jwk.kid)) keyMap.set(jwk.kid, jwk);
    },
    async keys() {
      return [...keyMap.values()];
    },
    async acquireSealLease(holder, now, ttlMs) {
      if (lease && lease.holder !== holder && lease.until > now) return false;
      lease = { holder, until: now + ttlMs };
      return true;
    },
    async releaseSealLease(holder) {
      if (lease?.holder === holder) lease = undefined;
    },
    async close() {},
  };
}
