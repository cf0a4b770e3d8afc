// Dependency processes a test starts, owns, freezes and kills: a redis-server without persistence
// on a free port of its own, so an outage can be injected (SIGSTOP, kill, restart on the same port)
// without touching a shared server. Tenantry's own suites use it for Redis outages and to start a
// Redis when none is configured.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';

export const REDIS_SERVER = '/usr/bin/redis-server';
export const hasRedisServer = existsSync(REDIS_SERVER);

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  return typeof address === 'object' && address !== null ? address.port : 0;
}

export interface OwnedProcess {
  readonly child: ChildProcess;
  /** SIGSTOP: the process keeps its sockets open and answers nothing. */
  freeze(): void;
  /** SIGCONT. */
  thaw(): void;
  /** SIGKILL (after a thaw, so a frozen process dies at once), resolved once it exited. */
  kill(): Promise<void>;
}

export function owned(child: ChildProcess): OwnedProcess {
  const signal = (name: NodeJS.Signals) => {
    if (!child.kill(name)) throw new Error(`could not send ${name} to ${child.pid}`);
  };
  return {
    child,
    freeze: () => signal('SIGSTOP'),
    thaw: () => signal('SIGCONT'),
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A redis-server without persistence on `port`, resolved once it accepts connections. */
export async function startRedis(port: number): Promise<OwnedProcess> {
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)));
  });
  return owned(child);
}

/**
 * Whether a Redis server answers PING at `url`, over a raw socket: no client library needed, and
 * a dead address answers false within 2 s. Undefined answers false.
 *
 * @example const redisUp = await redisAnswers(process.env.REDIS_URL);
 */
export async function redisAnswers(url: string | undefined): Promise<boolean> {
  if (url === undefined) return false;
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname || '127.0.0.1', port: Number(port || 6379) });
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(2000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}
