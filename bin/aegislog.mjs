#!/usr/bin/env node
// The `aegislog` command. Runs the built CLI: `npm run build` first in a clone.
import { main } from '../dist/esm/cli.js';

process.exitCode = await main(process.argv.slice(2));
