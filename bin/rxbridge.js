#!/usr/bin/env node
'use strict';
// The `rxbridge` command. Runs the compiled CLI (built by `npm ci` through the `prepare` script).
// Commands other than `start` exit as soon as they are done (the MLLP client library keeps timers alive).
require('../dist/cli/main.js').main(process.argv.slice(2)).then(
  (code) => {
    const status = typeof code === 'number' ? code : 0;
    if (process.argv[2] === 'start') process.exitCode = status;
    else process.exit(status);
  },
  (err) => {
    console.error(`rxbridge: ${err && err.message ? err.message : err}`);
    process.exit(1);
  },
);
