// A node:fs/promises whose writeFile can simulate a process that dies mid-write: the file is created
// (with the flag and mode asked for) and left empty, and the call throws. For tests that a file is
// written all or nothing. vi.mock is hoisted above imports, so a test hands this the module and a
// switch made with vi.hoisted:
//
//   const crash = vi.hoisted(() => ({ on: false }));
//   vi.mock('node:fs/promises', async (original) => {
//     const { crashingFs } = await import('../support/crashing-fs.js');
//     return crashingFs(await original(), crash, 'public.pem');
//   });
type Fs = typeof import('node:fs/promises');

/**
 * `fs` with a writeFile that, while `crash.on`, crashes on the paths `crashes` picks (a part of the
 * path, or a test of it; every path if none), and `more` (other functions replaced), both as named
 * exports and on `default`.
 */
export function crashingFs(fs: Fs, crash: { on: boolean }, crashes: string | ((path: string) => boolean) = () => true, more: Partial<Fs> = {}): Fs & { default: Fs } {
  const picked = typeof crashes === 'string' ? (path: string) => path.includes(crashes) : crashes;
  const writeFile: Fs['writeFile'] = async (path, data, options) => {
    if (!crash.on || !picked(String(path))) return fs.writeFile(path, data, options);
    await fs.writeFile(path, '', options); // created, then the process dies
    throw new Error('simulated crash while writing');
  };
  const replaced = { ...more, writeFile };
  return { ...fs, default: { ...fs, ...replaced }, ...replaced };
}
