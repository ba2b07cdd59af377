import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keygenCommand } from '../../src/cli/keygen.js';
import { readNoteKeyFile } from '../../src/server/note-key-file.js';
import { jwkThumbprint, rawToDer } from '../../src/protocol/index.js';
import { flattenKeys, importPublicKey } from '../../src/verify/keys.js';
import { verifySignature } from '../../src/verify/ecdsa.js';
import { fakeIO } from './fake-io.js';

const dir = mkdtempSync(join(tmpdir(), 'aegislog-keygen-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('aegislog keygen', () => {
  it('writes a P-256 pair whose files all name the same key, the private ones mode 0600', async () => {
    const out = join(dir, 'keys');
    const io = fakeIO();
    expect(await keygenCommand.run(['--out', out, '--json'], io)).toBe(0);
    const report = JSON.parse(io.text()) as { kid: string; files: Record<string, string> };
    expect(Object.keys(report.files).sort()).toEqual(['private_jwk', 'private_pem', 'public_jwks', 'public_pem']);
    expect(statSync(join(out, 'private.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(join(out, 'private.jwk.json')).mode & 0o777).toBe(0o600);
    expect(statSync(out).mode & 0o077).toBe(0);

    const privateJwk = JSON.parse(readFileSync(join(out, 'private.jwk.json'), 'utf8'));
    expect(privateJwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: report.kid });
    expect(jwkThumbprint(privateJwk)).toBe(report.kid);
    const jwks = JSON.parse(readFileSync(join(out, 'public.jwks.json'), 'utf8'));
    expect(jwks.keys[0]).toEqual({ kty: 'EC', crv: 'P-256', x: privateJwk.x, y: privateJwk.y, kid: report.kid, alg: 'ES256', use: 'sig' });

    // The PKCS#8 private key signs; the verifier, given the SPKI PEM or the JWKS, accepts it under the kid.
    const pkcs8 = readFileSync(join(out, 'private.pem'), 'utf8').replace(/-----[^-]+-----|\s/g, '');
    const signer = await crypto.subtle.importKey('pkcs8', Buffer.from(pkcs8, 'base64'), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
    const message = new TextEncoder().encode('receipt');
    const signature = rawToDer(new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, signer, message)));
    for (const file of ['public.pem', 'public.jwks.json']) {
      const [key] = flattenKeys(await importPublicKey(readFileSync(join(out, file), 'utf8')));
      expect(key!.kid).toBe(report.kid);
      expect(await verifySignature({ key: key!, signature, message })).toBe(true);
    }
  });

  it('refuses to overwrite a key unless --force, and leaves the old files alone', async () => {
    const out = join(dir, 'again');
    expect(await keygenCommand.run(['--out', out], fakeIO())).toBe(0);
    const before = readFileSync(join(out, 'private.pem'), 'utf8');
    const io = fakeIO();
    expect(await keygenCommand.run(['--out', out], io)).toBe(2);
    expect(io.stderr).toEqual([`aegislog keygen: ${join(out, 'private.pem')} exists; use --force to replace it`]);
    expect(readFileSync(join(out, 'private.pem'), 'utf8')).toBe(before);
    expect(await keygenCommand.run(['--out', out, '--force'], fakeIO())).toBe(0);
    expect(readFileSync(join(out, 'private.pem'), 'utf8')).not.toBe(before);
    expect(statSync(join(out, 'private.pem')).mode & 0o777).toBe(0o600);
  });

  it('with --origin, an existing note key stops the command before it writes any file', async () => {
    const out = join(dir, 'note-key-there');
    expect(await keygenCommand.run(['--out', out, '--origin', 'keys.example/log'], fakeIO())).toBe(0);
    for (const file of ['private.pem', 'private.jwk.json', 'public.pem', 'public.jwks.json', 'log.vkeys']) rmSync(join(out, file));
    const noteKey = readFileSync(join(out, 'note-signing-key'), 'utf8');
    const io = fakeIO();
    expect(await keygenCommand.run(['--out', out, '--origin', 'keys.example/log'], io)).toBe(2);
    expect(io.stderr).toEqual([`aegislog keygen: ${join(out, 'note-signing-key')} exists; use --force to replace it`]);
    expect(readdirSync(out)).toEqual(['note-signing-key']);
    expect(readFileSync(join(out, 'note-signing-key'), 'utf8')).toBe(noteKey);
  });

  it('prints the pair on stdout without --out, and a fresh key each time', async () => {
    const a = fakeIO();
    const b = fakeIO();
    await keygenCommand.run([], a);
    await keygenCommand.run(['--json'], b);
    expect(a.text()).toMatch(/^# kid [A-Za-z0-9_-]{43}\n-----BEGIN PRIVATE KEY-----\n[\s\S]+-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n\{"keys":\[/);
    const json = JSON.parse(b.text());
    expect(json.public_pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(a.text()).not.toContain(json.kid);
  });

  it('with --origin also writes the log\'s note key (0600) and its two vkeys, ECDSA first, all named by the origin', async () => {
    const out = join(dir, 'log-keys');
    const io = fakeIO();
    expect(await keygenCommand.run(['--origin', 'log.example.com/a', '--out', out, '--json'], io)).toBe(0);
    const report = JSON.parse(io.text()) as { vkeys: string[]; files: Record<string, string> };
    expect(Object.keys(report.files).sort()).toEqual(['log_vkeys', 'note_key', 'private_jwk', 'private_pem', 'public_jwks', 'public_pem']);
    expect(statSync(join(out, 'note-signing-key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(out, 'log.vkeys'), 'utf8')).toBe(report.vkeys.map((v) => `${v}\n`).join(''));
    const [noteKey, ...more] = await readNoteKeyFile(join(out, 'note-signing-key'));
    expect([noteKey!.name, more]).toEqual(['log.example.com/a', []]);
    expect(report.vkeys).toHaveLength(2);
    expect(report.vkeys[1]).toBe(noteKey!.vkey);
    expect(report.vkeys[0]).toMatch(/^log\.example\.com\/a\+[0-9a-f]{8}\+/);
    expect(report.vkeys[0]).not.toBe(report.vkeys[1]);
    // The secret goes nowhere but its file; a second run refuses to replace it.
    expect(io.text()).not.toContain(noteKey!.skey);
    const again = fakeIO();
    expect(await keygenCommand.run(['--origin', 'log.example.com/a', '--out', out], again)).toBe(2);
    const bad = fakeIO();
    expect(await keygenCommand.run(['--origin', 'has space', '--json'], bad)).toBe(2);
    expect(bad.stderr[0]).toContain('--origin "has space"');
    const both = fakeIO();
    expect(await keygenCommand.run(['--origin', 'log.example.com/a', '--witness', 'w.example/w'], both)).toBe(2);
  });

  it('gives one line and exit 2 for an unknown flag, a stray argument, or a folder it cannot make', async () => {
    writeFileSync(join(dir, 'a-file'), '');
    for (const [args, message] of [
      [['--bogus'], "aegislog keygen: Unknown option '--bogus' (see aegislog keygen --help)"],
      [['extra'], "aegislog keygen: unexpected argument 'extra' (see aegislog keygen --help)"],
      [['--out', join(dir, 'a-file', 'sub')], `aegislog keygen: cannot make ${join(dir, 'a-file', 'sub')}:`],
    ] as const) {
      const io = fakeIO();
      expect(await keygenCommand.run([...args], io)).toBe(2);
      expect(io.stderr).toHaveLength(1);
      expect(io.stderr[0]!.startsWith(message)).toBe(true);
      expect(io.stdout).toEqual([]);
    }
  });
});
