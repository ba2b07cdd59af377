#!/usr/bin/env node
// The `aegislog` command. Runs the built CLI: `npm run build` first in a clone.
import { main } from '../dist/esm/cli.js';

/**
 * better-sqlite3 (the SQLite store of `aegislog dev` and `serve`) is a native
 * addon built by its install script. When npm skipped that script (npm's
 * `allowScripts`, `--ignore-scripts`) or built it for another Node.js, its
 * loader throws a trace of every path it tried; say instead what happened and
 * the one command that fixes it.
 */
function sqliteHint(message) {
  const fix = [
    '  fix:  npm rebuild better-sqlite3',
    '  (npm 11.5+ may skip its install script: add "allowScripts": { "better-sqlite3": true } to your package.json',
    '  first; building from source needs python3, make and a C++ compiler when no prebuilt binary fits)',
  ];
  if (message.includes('Could not locate the bindings file')) {
    return ['better-sqlite3 is installed without its native binding: its install script did not run or failed.', ...fix];
  }
  const abi = /compiled against a different Node\.js version using\s+NODE_MODULE_VERSION (\d+)\. This version of Node\.js requires\s+NODE_MODULE_VERSION (\d+)/.exec(message);
  if (abi && message.includes('better_sqlite3')) {
    return [
      `better-sqlite3 was built for another Node.js (module version ${abi[1]}; Node.js ${process.versions.node} needs ${abi[2]}).`,
      ...fix,
      `  (still the same after the rebuild: npm builds against the headers \`npm config get nodedir\` names; rebuild with`,
      `  npm_config_nodedir=${process.execPath.replace(/\/bin\/node(\.exe)?$/, '')} npm rebuild better-sqlite3)`,
    ];
  }
  if (/Cannot find (package|module) 'better-sqlite3'/.test(message)) {
    return ['better-sqlite3 is not installed (an optional dependency of aegislog: its install failed or was omitted).', '  fix:  npm install better-sqlite3@12'];
  }
  return undefined;
}

const io = {
  out: (line) => console.log(line),
  err: (line) => {
    const hint = sqliteHint(line);
    console.error(hint ? `${line.slice(0, line.indexOf(':') + 1)} ${hint.join('\n')}` : line);
  },
};

process.exitCode = await main(process.argv.slice(2), io);
