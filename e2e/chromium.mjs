// Debian's chromium for the browser suite and the browser benchmark (browser
// downloads do not work on these machines). Run directly (`node e2e/chromium.mjs`,
// which `npm test` does) it makes sure the binary exists: installed with apt
// when we are root, otherwise it stops with a one-line instruction.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

export const CHROMIUM_PATH = process.env.AEGISLOG_CHROMIUM ?? '/usr/bin/chromium';

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * Launch options for Playwright's `chromium.launch()`. Playwright gives every
 * launch a fresh temporary user-data dir and removes it at close.
 */
export function launchOptions() {
  const args = [
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
  // Chromium refuses to start as root with its sandbox on.
  if (isRoot()) args.push('--no-sandbox');
  return { executablePath: CHROMIUM_PATH, headless: true, args };
}

/** Installs chromium with apt when possible; throws with the instruction otherwise. */
export function ensureChromium() {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  if (isRoot() && existsSync('/usr/bin/apt-get') && CHROMIUM_PATH === '/usr/bin/chromium') {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
    if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  }
  throw new Error(
    `Chromium not found at ${CHROMIUM_PATH}: run \`sudo apt-get install chromium\` (Debian) or set AEGISLOG_CHROMIUM to a Chromium binary.`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    ensureChromium();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
