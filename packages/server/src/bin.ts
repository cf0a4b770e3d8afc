#!/usr/bin/env node
// The `tenantry` executable. The exit code is set, not forced, so output is flushed and the
// process ends by itself once the pools and servers it opened are closed.
import { runCli } from './cli/program.js';

process.exitCode = await runCli(process.argv, {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
});
