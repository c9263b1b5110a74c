/** A throwaway redis-server child on a free loopback port, without persistence. */
import { startChild, withParentDeathSignal } from './child.js';
import { freePort } from './free-port.js';

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Restarts on the same port (for outage tests), waiting until it accepts connections. */
  restart(options?: { downMs?: number }): Promise<void>;
}

export async function startRedisServer(options: { port?: number; binary?: string } = {}): Promise<RedisServer> {
  const port = options.port ?? (await freePort());
  const binary = options.binary ?? 'redis-server';
  const launch = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'];
    // setpriv (util-linux) makes the kernel stop redis-server when we die, even by SIGKILL.
    const [command, commandArgs] = withParentDeathSignal(binary, args);
    const child = startChild(command, commandArgs);
    child.process.once('error', () => undefined);
    await child.waitForLine(/Ready to accept connections/).catch((error: Error) => {
      throw new Error(`redis-server did not start (install Debian redis-server; run scripts/setup.sh): ${error.message}`);
    });
    return child;
  };
  let child = await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () => child.stop(),
    async restart({ downMs = 0 } = {}) {
      await child.stop();
      if (downMs) await new Promise((resolve) => setTimeout(resolve, downMs));
      child = await launch();
    },
  };
}
