#!/usr/bin/env node
// Makes vectors.json: signed notes, cosignatures, policies and witness requests with every
// intermediate value, computed here with node:crypto and @noble/post-quantum only (none of this
// project's code), so that the tests check the library against an implementation of the C2SP
// texts apart from it. Deterministic but for the ECDSA signatures (P-256 signing is randomized):
// run again, and only those change. `node test/vectors/aegislog-v2-own/generate.mjs`
import { createECDH, createHash, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { ml_dsa44 } from '@noble/post-quantum/ml-dsa.js';

const sha256 = (...parts) => createHash('sha256').update(Buffer.concat(parts.map((p) => Buffer.from(p)))).digest();
const hex = (b) => Buffer.from(b).toString('hex');
const b64 = (b) => Buffer.from(b).toString('base64');
const u32 = (b) => b.readUInt32BE(0);
const be64 = (n) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};
const seed = (label) => sha256(`aegislog-v2-own ${label}`);
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

const ORIGIN = 'own.aegislog.example/log';
const out = { origin: ORIGIN, generator: 'test/vectors/aegislog-v2-own/generate.mjs', keys: {}, tree: {}, notes: {}, policies: {}, witness: {} };

// ---- keys -------------------------------------------------------------------
function ed25519Key(name, type, label) {
  const s = seed(label);
  const priv = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), s]), format: 'der', type: 'pkcs8' });
  const pub = createPublicKey(priv).export({ type: 'spki', format: 'der' }).subarray(12);
  const idInput = Buffer.concat([Buffer.from(name), Buffer.of(0x0a, type), pub]);
  const id = sha256(idInput).subarray(0, 4);
  return {
    name, type, seed_hex: hex(s), public_hex: hex(pub), key_id_input_hex: hex(idInput), key_id_sha256_hex: hex(sha256(idInput)), key_id_hex: hex(id),
    vkey: `${name}+${hex(id)}+${b64(Buffer.concat([Buffer.of(type), pub]))}`,
    skey: `PRIVATE+KEY+${name}+${hex(id)}+${b64(Buffer.concat([Buffer.of(type), s]))}`,
    priv,
  };
}
function ecdsaKey(name) {
  const d = BigInt(`0x${hex(seed('ecdsa'))}`) % N;
  const dBytes = Buffer.from(d.toString(16).padStart(64, '0'), 'hex');
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(dBytes);
  const point = ecdh.getPublicKey(); // 0x04 || x || y
  const jwk = { kty: 'EC', crv: 'P-256', d: dBytes.toString('base64url'), x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') };
  const priv = createPrivateKey({ key: jwk, format: 'jwk' });
  const spki = createPublicKey(priv).export({ type: 'spki', format: 'der' });
  const id = sha256(spki).subarray(0, 4);
  return { name, type: 2, d_hex: hex(dBytes), spki_hex: hex(spki), key_id_sha256_hex: hex(sha256(spki)), key_id_hex: hex(id), vkey: `${name}+${hex(id)}+${b64(Buffer.concat([Buffer.of(2), spki]))}`, priv };
}
function mlDsaKey(name, label) {
  const s = seed(label);
  const { publicKey, secretKey } = ml_dsa44.keygen(s);
  const idInput = Buffer.concat([Buffer.from(name), Buffer.of(0x0a, 0x06), publicKey]);
  const id = sha256(idInput).subarray(0, 4);
  return {
    name, type: 6, seed_hex: hex(s), public_sha256_hex: hex(sha256(publicKey)), key_id_sha256_hex: hex(sha256(idInput)), key_id_hex: hex(id),
    vkey: `${name}+${hex(id)}+${b64(Buffer.concat([Buffer.of(6), publicKey]))}`,
    skey: `PRIVATE+KEY+${name}+${hex(id)}+${b64(Buffer.concat([Buffer.of(6), s]))}`,
    secretKey,
  };
}
const logEd = ed25519Key(ORIGIN, 0x01, 'log ed25519');
const logEc = ecdsaKey(ORIGIN);
const w1 = ed25519Key('witness.one.example/w1', 0x04, 'w1');
const w2 = ed25519Key('witness.two.example/w2', 0x04, 'w2');
const w3 = mlDsaKey('witness.three.example/w3', 'w3');
const strip = ({ priv, secretKey, ...rest }) => rest;
out.keys = { log_ed25519: strip(logEd), log_ecdsa: strip(logEc), w1: strip(w1), w2: strip(w2), w3: strip(w3) };

// ---- the tree: RFC 9162 by its definitions ------------------------------------
const leafData = (i, fork = false) => sha256(`leaf ${i}${fork ? ' forked' : ''}`);
const mth = (d) => {
  if (d.length === 0) return sha256('');
  if (d.length === 1) return sha256(Buffer.of(0), d[0]);
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return sha256(Buffer.of(1), mth(d.slice(0, k)), mth(d.slice(k)));
};
const subproof = (m, d, b) => {
  if (m === d.length) return b ? [] : [mth(d)];
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return m <= k ? [...subproof(m, d.slice(0, k), b), mth(d.slice(k))] : [...subproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
};
const leaves = Array.from({ length: 20 }, (_, i) => leafData(i));
const forked = leaves.map((l, i) => (i === 11 ? leafData(i, true) : l));
const root = (n, d = leaves) => mth(d.slice(0, n));
out.tree = {
  leaf_data: 'SHA-256("leaf <i>") for i in 0..19; the fork changes leaf 11 to SHA-256("leaf 11 forked")',
  roots_b64: Object.fromEntries([0, 5, 7, 20].map((n) => [n, b64(root(n))])),
  fork_root_20_b64: b64(root(20, forked)),
  consistency_7_20_b64: subproof(7, leaves, true).map(b64),
};

// ---- notes --------------------------------------------------------------------
const checkpointText = (n, r) => `${ORIGIN}\n${n}\n${b64(r)}\n`;
const line = (name, idHex, sig) => `— ${name} ${b64(Buffer.concat([Buffer.from(idHex, 'hex'), sig]))}\n`;
function logSigs(text) {
  const ed = sign(null, Buffer.from(text), logEd.priv);
  const ecDer = sign('sha256', Buffer.from(text), { key: logEc.priv, dsaEncoding: 'der' });
  return {
    ed25519: { message_hex: hex(Buffer.from(text)), signature_hex: hex(ed), line: line(ORIGIN, logEd.key_id_hex, ed) },
    ecdsa: { digest_hex: hex(sha256(text)), signature_der_hex: hex(ecDer), line: line(ORIGIN, logEc.key_id_hex, ecDer) },
  };
}
function highS(der) {
  // DER of (r, s) with s high: n − s when s was low (an equally valid signature; KMS does not normalise s).
  const rLen = der[3];
  const r = der.subarray(4, 4 + rLen);
  const s = BigInt(`0x${hex(der.subarray(6 + rLen))}`);
  const s2 = s > N / 2n ? s : N - s;
  const int = (bytes) => (bytes[0] & 0x80 ? Buffer.concat([Buffer.of(0), bytes]) : bytes);
  const full = Buffer.from(s2.toString(16).padStart(64, '0'), 'hex');
  const sBytes = int(full.subarray(full.findIndex((b) => b !== 0)));
  const body = Buffer.concat([Buffer.of(2, r.length), r, Buffer.of(2, sBytes.length), sBytes]);
  return { der: Buffer.concat([Buffer.of(0x30, body.length), body]), high: s2 > N / 2n };
}
function cosignV1(w, text, t) {
  const message = Buffer.concat([Buffer.from(`cosignature/v1\ntime ${t}\n`), Buffer.from(text)]);
  const sig = sign(null, message, w.priv);
  return { timestamp: t, message_text: message.toString(), signature_hex: hex(sig), line: line(w.name, w.key_id_hex, Buffer.concat([be64(t), sig])) };
}
function cosignSubtree(w, n, r, t) {
  const name = Buffer.from(w.name);
  const origin = Buffer.from(ORIGIN);
  const message = Buffer.concat([Buffer.from('subtree/v1\n\0'), Buffer.of(name.length), name, be64(t), Buffer.of(origin.length), origin, be64(0), be64(n), r]);
  const sig = ml_dsa44.sign(message, w.secretKey, { extraEntropy: false }); // deterministic ML-DSA
  return { timestamp: t, message_hex: hex(message), signature_sha256_hex: hex(sha256(sig)), signature_b64: b64(sig), line: line(w.name, w.key_id_hex, Buffer.concat([be64(t), sig])) };
}

const T = 1_800_000_000;
const text20 = checkpointText(20, root(20));
const sigs20 = logSigs(text20);
const c1 = cosignV1(w1, text20, T);
const c2 = cosignV1(w2, text20, T + 1);
const c3 = cosignSubtree(w3, 20, root(20), T + 2);
out.notes.cosigned_20 = {
  what: 'size 20: ECDSA and Ed25519 log signatures, cosigned by w1 and w2 (cosignature/v1) and w3 (subtree/v1, ML-DSA-44)',
  text: text20, log: sigs20, cosignatures: { w1: c1, w2: c2, w3: c3 },
  note: `${text20}\n${sigs20.ecdsa.line}${sigs20.ed25519.line}${c1.line}${c2.line}${c3.line}`,
};
const hs = highS(Buffer.from(sigs20.ecdsa.signature_der_hex, 'hex'));
out.notes.ecdsa_high_s_20 = {
  what: 'size 20, the ECDSA signature alone, with a high s (n − s where the signer gave a low one)',
  text: text20, signature_der_hex: hex(hs.der), s_is_high: hs.high, note: `${text20}\n${line(ORIGIN, logEc.key_id_hex, hs.der)}`,
};
const text7 = checkpointText(7, root(7));
const sigs7 = logSigs(text7);
out.notes.log_7 = { what: 'size 7, the log\'s two signatures', text: text7, log: sigs7, note: `${text7}\n${sigs7.ecdsa.line}${sigs7.ed25519.line}` };
const textFork = checkpointText(20, root(20, forked));
const sigsFork = logSigs(textFork);
out.notes.fork_20 = { what: 'a second size-20 tree, leaf 11 changed, signed by the same log: a fork', text: textFork, log: sigsFork, note: `${textFork}\n${sigsFork.ecdsa.line}${sigsFork.ed25519.line}` };
const text5 = checkpointText(5, root(5));
const sigs5 = logSigs(text5);
out.notes.log_5 = { what: 'size 5, signed after 20 was cosigned: a smaller later tree', text: text5, log: sigs5, note: `${text5}\n${sigs5.ecdsa.line}${sigs5.ed25519.line}` };

// ---- policies ------------------------------------------------------------------
const logs = `log ${logEc.vkey}\nlog ${logEd.vkey}\n`;
const ws = `witness w1 ${w1.vkey}\nwitness w2 ${w2.vkey}\nwitness w3 ${w3.vkey}\n`;
out.policies = {
  '2of3': { text: `${logs}${ws}group two 2 w1 w2 w3\nquorum two\n`, cosigned_20: 'passes' },
  nested: { text: `${logs}${ws}group eds all w1 w2\ngroup pq any w3\ngroup both all eds pq\nquorum both\n`, cosigned_20: 'passes' },
  'w3-alone': { text: `${logs}${ws}quorum w3\n`, cosigned_20: 'passes' },
  none: { text: `${logs}quorum none\n`, cosigned_20: 'passes (witnesses skipped)' },
};

// ---- a witness's view: requests in order, with the answers tlog-witness prescribes ----
const req = (old, proof, note) => `old ${old}\n${proof.map((h) => `${b64(h)}\n`).join('')}\n${note}`;
out.witness = {
  what: 'submitted in this order to a witness of this log (a fresh state): each answer, and the refusals kept as evidence',
  steps: [
    { request: req(0, [], out.notes.log_7.note), status: 200 },
    { request: req(7, subproof(7, leaves, true), `${text20}\n${sigs20.ecdsa.line}${sigs20.ed25519.line}`), status: 200 },
    { request: req(20, [], out.notes.fork_20.note), status: 422, kept: 'same-size-other-root' },
    { request: req(20, [], out.notes.log_5.note), status: 400, kept: 'smaller-tree' },
    { request: req(5, [], out.notes.log_5.note), status: 409, body: '20\n', kept: 'smaller-tree' },
    { request: req(7, subproof(7, leaves, true), `${text20}\n${sigs20.ecdsa.line}${sigs20.ed25519.line}`), status: 409, body: '20\n' },
    { request: req(20, [], `${text20}\n${sigs20.ecdsa.line}${sigs20.ed25519.line}`), status: 200 },
  ],
};

writeFileSync(new URL('./vectors.json', import.meta.url), `${JSON.stringify(out, null, 1)}\n`);
console.log('wrote vectors.json');
