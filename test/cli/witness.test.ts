import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keygenCommand } from '../../src/cli/keygen.js';
import { main } from '../../src/cli/main.js';
import { startWitness, witnessCommand, type WitnessServeOptions } from '../../src/cli/witness.js';
import { hexEncode, sha256 } from '../../src/protocol/index.js';
import { parsePolicy } from '../../src/tlog/policy.js';
import { parseVkey } from '../../src/tlog/vkey.js';
import { verifyNote } from '../../src/verify/notes.js';
import { testLog, type TestLog } from '../witness/helpers.js';
import { fakeIO } from './fake-io.js';

const dir = mkdtempSync(join(tmpdir(), 'aegislog-witness-cli-'));
let log: TestLog;
beforeAll(async () => {
  log = await testLog('log.example/cli', 40);
  writeFileSync(join(dir, 'log.vkeys'), `${log.vkeys.join('\n')}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('aegislog keygen --witness', () => {
  it('writes a 0600 key file of Go signer keys and prints the cosignature/v1 vkey (type 0x04)', async () => {
    const out = join(dir, 'keys');
    const io = fakeIO();
    expect(await keygenCommand.run(['--witness', 'witness.example/w1', '--out', out], io)).toBe(0);
    const [vkey, ...wrote] = io.stdout[0]!.split('\n');
    expect(parseVkey(vkey!)).toMatchObject({ name: 'witness.example/w1', type: 0x04 });
    expect(wrote).toEqual([`wrote ${join(out, 'witness.key')}`, `wrote ${join(out, 'witness.vkey')}`]);
    expect(statSync(join(out, 'witness.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(out, 'witness.key'), 'utf8')).toMatch(/^# C2SP witness witness\.example\/w1: .*\nPRIVATE\+KEY\+witness\.example\/w1\+[0-9a-f]{8}\+\S+\n$/);
    expect(readFileSync(join(out, 'witness.vkey'), 'utf8')).toBe(`${vkey}\n`);
    // Not again without --force.
    const again = fakeIO();
    expect(await keygenCommand.run(['--witness', 'witness.example/w1', '--out', out], again)).toBe(2);
    expect(again.stderr[0]).toMatch(/exists; use --force/);
  });

  it('adds an ML-DSA-44 key with --ml-dsa; prints JSON; refuses a bad name and --ml-dsa alone', async () => {
    const io = fakeIO();
    expect(await keygenCommand.run(['--witness', 'witness.example/pq', '--ml-dsa', '--json'], io)).toBe(0);
    const report = JSON.parse(io.text()) as { name: string; skeys: string[]; vkeys: string[] };
    expect(report.vkeys.map((v) => parseVkey(v).type)).toEqual([0x04, 0x06]);
    expect(report.skeys).toHaveLength(2);
    const bad = fakeIO();
    expect(await keygenCommand.run(['--witness', 'has space'], bad)).toBe(2);
    expect(await keygenCommand.run(['--ml-dsa'], bad)).toBe(2);
    expect(bad.stderr.join('\n')).toMatch(/--ml-dsa goes with --witness/);
  });

  it('refuses --ml-dsa for a name over 255 bytes (subtree/v1 signs the name behind a length byte); Ed25519 alone takes it', async () => {
    const long = `witness.example/${'p'.repeat(240)}`; // 256 bytes
    const bad = fakeIO();
    expect(await keygenCommand.run(['--witness', long, '--ml-dsa', '--json'], bad)).toBe(2);
    expect(bad.stderr.join('\n')).toMatch(/--witness.*over 255 bytes/);
    expect(await keygenCommand.run(['--witness', long, '--json'], fakeIO())).toBe(0);
  });
});

describe('aegislog witness', () => {
  const options = (data: string, extra: Partial<WitnessServeOptions> = {}): WitnessServeOptions => ({
    keyFile: join(dir, 'keys', 'witness.key'), logs: join(dir, 'log.vkeys'), dataDir: join(dir, data),
    host: '127.0.0.1', port: 0, prefix: '/witness', store: 'sqlite', sync: 'normal', ...extra,
  });

  for (const store of ['sqlite', 'file'] as const) {
    it(`serves add-checkpoint and monitoring over HTTP on 127.0.0.1, and keeps its state across a restart (${store})`, async () => {
      const io = fakeIO();
      const running = await startWitness(options(`data-${store}`, { store }), io);
      expect(io.text()).toContain(`AegisLog witness witness.example/w1 listening on ${running.url}/add-checkpoint`);
      expect(io.text()).toContain(`witness w1 ${running.vkeys[0]} ${running.url}`);
      const post = (body: string) => fetch(`${running.url}/add-checkpoint`, { method: 'POST', body });
      const first = await post(await log.body(0, 10));
      expect(first.status).toBe(200);
      const lines = await first.text();
      const policy = parsePolicy(`${log.vkeys.map((v) => `log ${v}`).join('\n')}\nwitness w1 ${running.vkeys[0]}\nquorum w1\n`);
      expect((await verifyNote((await log.checkpoint(10)) + lines, policy)).valid).toBe(true);
      const monitor = await fetch(`${running.url}/${hexEncode(sha256(new TextEncoder().encode(log.origin)))}/checkpoint`);
      expect((await verifyNote(await monitor.text(), policy)).valid).toBe(true);
      await running.stop();

      const again = await startWitness(options(`data-${store}`, { store }), fakeIO());
      const stale = await fetch(`${again.url}/add-checkpoint`, { method: 'POST', body: await log.body(0, 20) });
      expect([stale.status, stale.headers.get('content-type'), await stale.text()]).toEqual([409, 'text/x.tlog.size', '10\n']);
      expect((await fetch(`${again.url}/add-checkpoint`, { method: 'POST', body: await log.body(10, 20) })).status).toBe(200);
      await again.stop();
    });
  }

  it('refuses a --data folder that holds the other --store kind\'s state: it would cosign a fork of what it cosigned there', async () => {
    for (const [first, then] of [['file', 'sqlite'], ['sqlite', 'file']] as const) {
      const data = `data-switch-${first}`;
      const running = await startWitness(options(data, { store: first }), fakeIO());
      expect((await fetch(`${running.url}/add-checkpoint`, { method: 'POST', body: await log.body(0, 10) })).status).toBe(200);
      await running.stop();
      await expect(startWitness(options(data, { store: then }), fakeIO())).rejects.toThrow(
        new RegExp(`holds a witness state of --store ${first} \\(.+\\); started with --store ${then} this witness would not know what it cosigned`),
      );
      // Through the command: one line, exit 2; and the folder is as it was (no state of the other kind made).
      const io = fakeIO();
      const args = ['witness', '--key', join(dir, 'keys', 'witness.key'), '--logs', join(dir, 'log.vkeys'), '--data', join(dir, data), '--port', '0', '--store', then];
      expect(await main(args, io)).toBe(2);
      expect(io.stderr).toEqual([expect.stringMatching(/^aegislog witness: --data .+ holds a witness state of --store/)]);
      expect(existsSync(join(dir, data, then === 'sqlite' ? 'witness.db' : 'latest'))).toBe(false);
      // Its own kind still starts, and still knows what it cosigned.
      const again = await startWitness(options(data, { store: first }), fakeIO());
      expect((await fetch(`${again.url}/add-checkpoint`, { method: 'POST', body: await log.body(0, 20) })).status).toBe(409);
      await again.stop();
    }
  });

  it('takes the logs from a tlog-policy file or a vkey given itself', async () => {
    writeFileSync(join(dir, 'policy.txt'), `${log.vkeys.map((v) => `log ${v}`).join('\n')}\nquorum none\n`);
    for (const logs of [join(dir, 'policy.txt'), log.vkeys[1]!]) {
      const running = await startWitness(options('data-policy', { logs, store: 'file' }), fakeIO());
      expect(running.vkeys).toHaveLength(1);
      await running.stop();
    }
  });

  it('refuses to start without --key or --logs, with a bad --store, and on a key file others can read', async () => {
    for (const args of [['--logs', 'x'], ['--key', 'x'], ['--key', 'x', '--logs', 'x', '--store', 'redis']]) {
      const io = fakeIO();
      expect(await main(['witness', ...args], io)).toBe(2);
      expect(io.stderr[0]).toMatch(/^aegislog witness: /);
    }
    const loose = join(dir, 'loose.key');
    writeFileSync(loose, readFileSync(join(dir, 'keys', 'witness.key')), { mode: 0o644 });
    await expect(startWitness(options('data-loose', { keyFile: loose }), fakeIO())).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
    const io = fakeIO();
    expect(await main(['witness', '--key', join(dir, 'keys', 'witness.key'), '--logs', join(dir, 'nothing-here')], io)).toBe(2);
    expect(io.stderr[0]).toMatch(/neither a readable file nor a vkey/);
    expect(witnessCommand.usage).toMatch(/^Usage: aegislog witness --key FILE --logs VKEYS_OR_POLICY/);
  });
});
