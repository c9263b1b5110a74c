/**
 * The client's Watch, asking for bookmarks and a server-side timeout on every
 * watch. Bookmarks keep an informer's resourceVersion current on quiet kinds,
 * so a reconnect resumes instead of hitting 410 and relisting; the timeout
 * makes the server end each watch after a few minutes, so a half-open TCP
 * connection cannot leave an informer silently deaf (the client sets none).
 */
import { type KubeConfig, Watch } from '@kubernetes/client-node';

export class BookmarkingWatch extends Watch {
  constructor(
    config: KubeConfig,
    /** Called per watch; jitter spreads the reconnects of many informers. */
    private readonly timeoutSeconds: () => number,
  ) {
    super(config);
  }

  override watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    return super.watch(path, { ...queryParams, allowWatchBookmarks: true, timeoutSeconds: this.timeoutSeconds() }, callback, done);
  }
}
