// Step 1: what the auditor trusts: pinned keys and/or a C2SP tlog-policy
// (PROTOCOL.md §4.5). A pasted key or policy is the auditor's own; a fetched
// JWKS is flagged, loudly when it comes from the server that produced the
// evidence (PROTOCOL.md §7: such a key proves nothing).
import { describeQuorum, importPublicKey, flattenKeys, parsePolicy, type Policy, type TrustOptions, type VerifyKey } from '../../src/verify/index.js';
import { checkPolicyKeys } from '../../src/verify/notes.js';
import { byId, h, pill, short } from '../shared/dom.js';

export interface PinnedKey {
  key: VerifyKey;
  /** Where it came from, as shown to the auditor. */
  source: string;
  /** The JWKS URL, for fetched keys. */
  url?: URL;
  /** Set when the key came from a URL of the evidence's own server. */
  sameServer: boolean;
}

export interface KeysPanel {
  keys(): VerifyKey[];
  /** The pinned policy, if any (one at a time: a new one replaces it). */
  policy(): Policy | undefined;
  /** What the v2 checks run under, or undefined when nothing is pinned. */
  trust(): TrustOptions | undefined;
  /** Re-evaluates the same-server warning after new evidence origins are known. */
  recheck(evidenceOrigins: ReadonlySet<string>): void;
}

export function keysPanel(evidenceOrigins: () => ReadonlySet<string>, onChange: () => void): KeysPanel {
  const pinned = new Map<string, PinnedKey>();
  let policy: Policy | undefined;
  /** Counts "Remove all keys": a key fetched or imported across one was asked for before it, and is not pinned. */
  let cleared = 0;
  /** Counts removals of one key, and when each kid was last removed: a JWKS on its way then does not pin it again. */
  let removals = 0;
  const removedAt = new Map<string, number>();
  const text = byId<HTMLTextAreaElement>('key-text');
  const url = byId<HTMLInputElement>('jwks-url');
  const message = byId('key-message');
  const list = byId('key-list');

  const say = (kind: 'warn' | 'fail' | 'info' | '', ...content: (Node | string)[]) => {
    message.className = kind ? `notice notice-${kind}` : 'notice';
    message.replaceChildren(...content);
  };

  const add = (keys: VerifyKey[], source: string, sameServer: boolean, from?: URL) => {
    for (const key of keys) pinned.set(key.kid, { key, source, sameServer, ...(from ? { url: from } : {}) });
    render();
    onChange();
  };

  byId('key-pin').addEventListener('click', async () => {
    if (looksLikePolicy(text.value)) {
      const epoch = cleared;
      try {
        // A key that verifies nothing (a point off P-256) makes a bad policy, as `aegislog verify --policy` says:
        // pinned, it made every check throw, never a verdict on the evidence.
        const parsed = parsePolicy(text.value);
        await checkPolicyKeys(parsed);
        if (epoch !== cleared) {
          say('info', 'The policy you pasted was still being read when all keys were removed: it was not pinned. Pin it again if you meant to.');
          return;
        }
        policy = parsed;
        say('info', `Pinned a policy: ${describePolicy(policy)}.`);
        text.value = '';
        render();
        onChange();
      } catch (error) {
        say('fail', h('strong', {}, 'Not a tlog-policy.'), (error as Error).message);
      }
      return;
    }
    const epoch = cleared;
    try {
      const keys = flattenKeys(await importPublicKey(text.value));
      if (epoch !== cleared) {
        // Removed while it was imported: the auditor's last word stands, and the page says so.
        say('info', 'The key you pasted was still being read when all keys were removed: it was not pinned. Pin it again if you meant to.');
        return;
      }
      add(keys, 'pasted by you', false);
      say('info', `Pinned ${keys.length} key${keys.length === 1 ? '' : 's'}. Compare the kid below with the one you were given.`);
      text.value = '';
    } catch (error) {
      say('fail', h('strong', {}, 'Not a P-256 public key nor a tlog-policy.'), (error as Error).message);
    }
  });

  byId('key-clear').addEventListener('click', () => {
    cleared++;
    pinned.clear();
    policy = undefined;
    say('');
    render();
    onChange();
  });

  byId('jwks-load').addEventListener('click', async () => {
    let target: URL;
    try {
      target = new URL(url.value.trim());
      if (target.protocol !== 'https:' && target.protocol !== 'http:') throw new Error('not http(s)');
    } catch {
      say('fail', h('strong', {}, 'Not a URL.'), 'Give the full http(s) address of a JWKS.');
      return;
    }
    say('info', `Fetching ${target.href}…`);
    const epoch = cleared;
    const removalsBefore = removals;
    try {
      const response = await fetch(target, { credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer' });
      if (!response.ok) throw new Error(`the server answered ${response.status}`);
      // Read as the pasted key and `--key URL` are: strictly UTF-8, and JSON with a member name twice refused
      // (response.json() kept the last value, another reader the first).
      let body: string;
      try {
        body = new TextDecoder('utf-8', { fatal: true }).decode(await response.arrayBuffer());
      } catch {
        throw new Error('the answer is not UTF-8');
      }
      const keys = flattenKeys(await importPublicKey(body));
      // "Remove all keys" pressed while the JWKS was on its way: its keys must not come back behind the auditor's back.
      if (epoch !== cleared) {
        say('info', `The JWKS from ${target.origin} arrived after all keys were removed: its keys were not pinned.`);
        return;
      }
      // A key the auditor removed while the JWKS was on its way stays removed.
      const removedMeanwhile = keys.filter((k) => (removedAt.get(k.kid) ?? 0) > removalsBefore);
      // A kid is what the JWKS claims, not a fingerprint: one already pinned to another key (one the auditor pasted)
      // is not re-pointed by a fetched key that names it.
      const clashing = keys.filter((k) => {
        const held = pinned.get(k.kid)?.key.jwk;
        return held !== undefined && (held.x !== k.jwk.x || held.y !== k.jwk.y);
      });
      const kept = keys.filter((k) => !removedMeanwhile.includes(k) && !clashing.includes(k));
      const same = isEvidenceServer(target, evidenceOrigins());
      add(kept, `fetched from ${target.href}`, same, target);
      const skipped = (removedMeanwhile.length === 0 ? '' : ` Not pinned again: ${removedMeanwhile.map((k) => `kid ${short(k.kid, 12)}`).join(', ')}, removed while the JWKS was on its way.`)
        + (clashing.length === 0 ? '' : ` Not pinned: ${clashing.map((k) => `kid ${short(k.kid, 12)}`).join(', ')}, already pinned to another key (remove that one first if the JWKS is right).`);
      if (same) say('warn', ...sameServerWarning(target), skipped);
      else {
        say('info', `Loaded ${kept.length} key${kept.length === 1 ? '' : 's'} from ${target.origin}. A fetched key is only as trustworthy as that URL: compare each kid with one obtained out of band.${skipped}`);
      }
    } catch (error) {
      say('fail', h('strong', {}, 'Could not load the JWKS.'), (error as Error).message);
    }
  });

  function render(): void {
    if (pinned.size === 0 && !policy) {
      list.replaceChildren(h('li', { class: 'empty' }, 'No key pinned yet: checks that need a signature stay grey.'));
      return;
    }
    const policyItem = policy
      ? h('li', { 'data-policy': '' }, pill('ok', 'policy'), h('span', { class: 'check-name' }, 'tlog-policy'), h('span', { class: 'reason' }, describePolicy(policy)),
          h('button', { type: 'button', class: 'ghost', 'aria-label': 'Remove the policy', onclick: () => {
            policy = undefined;
            render();
            onChange();
          } }, 'Remove'))
      : '';
    list.replaceChildren(
      policyItem,
      ...[...pinned.values()].map(({ key, source, sameServer }) =>
        h(
          'li',
          {},
          sameServer ? pill('warn', 'from the evidence server') : pill('ok', 'pinned'),
          h('span', { class: 'check-name', title: key.kid }, `kid ${short(key.kid, 12)}`),
          h('span', { class: 'reason' }, source),
          h('button', { type: 'button', class: 'ghost', 'aria-label': `Remove key ${key.kid}`, onclick: () => {
            pinned.delete(key.kid);
            removedAt.set(key.kid, ++removals);
            render();
            onChange();
          } }, 'Remove'),
        ),
      ),
    );
  }

  return {
    keys: () => [...pinned.values()].map((p) => p.key),
    policy: () => policy,
    trust() {
      const keys = [...pinned.values()].map((p) => p.key);
      if (keys.length === 0 && !policy) return undefined;
      return { ...(keys.length ? { keys } : {}), ...(policy ? { policy } : {}) };
    },
    recheck(origins) {
      let changed = false;
      for (const entry of pinned.values()) {
        if (entry.url && !entry.sameServer && isEvidenceServer(entry.url, origins)) {
          entry.sameServer = true;
          changed = true;
          say('warn', ...sameServerWarning(entry.url));
        }
      }
      if (changed) render();
    },
  };
}

/** The page's own origin counts: `aegislog dev` serves this page and the API from one origin. */
function isEvidenceServer(url: URL, evidenceOrigins: ReadonlySet<string>): boolean {
  return url.origin === location.origin || evidenceOrigins.has(url.origin);
}

function sameServerWarning(url: URL): (Node | string)[] {
  return [
    h('strong', {}, `Warning: this key comes from ${url.origin}, the server that produced the evidence.`),
    'Whoever controls that server can sign anything and publish the matching key, so checks against it prove nothing about the evidence. Pin a key obtained out of band (paste it above) before relying on any result.',
  ];
}

/** A tlog-policy has `log`, `witness`, `group` or `quorum` lines; a key is PEM or JSON. */
function looksLikePolicy(text: string): boolean {
  return /^\s*(log|witness|group|quorum)\s/m.test(text) && !/^\s*[{-]/.test(text);
}

function describePolicy(policy: Policy): string {
  const origins = [...new Set(policy.logs.map((k) => k.name))].join(', ');
  const witnesses = policy.witnesses.map((w) => w.name);
  return `${policy.logs.length} log key${policy.logs.length === 1 ? '' : 's'} of ${origins || '?'}; ${
    witnesses.length ? `witnesses ${witnesses.join(', ')}` : 'no witnesses'}; quorum ${describeQuorum(policy.quorum)}`;
}
