#!/usr/bin/env node
'use strict';
// The `rxbridge` command. Runs the compiled CLI (built by `npm ci` through the `prepare` script).
require('../dist/cli/main.js').main(process.argv.slice(2)).then(
  (code) => { if (typeof code === 'number') process.exitCode = code; },
  (err) => { console.error(`rxbridge: ${err && err.message ? err.message : err}`); process.exitCode = 1; },
);
