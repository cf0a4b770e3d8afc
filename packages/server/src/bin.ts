#!/usr/bin/env node
// The `tenantry` executable. The exit code is set, not forced, so output is flushed and the
// process ends by itself once the pools and servers it opened are closed.
import { OutputClosedError } from './cli/context.js';
import { runCli } from './cli/program.js';

// A reader that stops early (`tenantry billing export | head`) closes the pipe: the write
// fails with EPIPE, emitted as an 'error' event that would otherwise crash the process with a
// stack trace. From then on, output ends the command quietly (OutputClosedError).
let stdoutClosed = false;
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  stdoutClosed = true;
});
// Nothing to tell anyone when stderr itself is gone.
process.stderr.on('error', () => {});

process.exitCode = await runCli(process.argv, {
  out: (text) => {
    if (stdoutClosed) throw new OutputClosedError();
    process.stdout.write(text);
  },
  err: (text) => void process.stderr.write(text),
  progress: process.stderr.isTTY,
});
