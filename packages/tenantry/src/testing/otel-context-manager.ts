// An AsyncLocalStorage context manager for @opentelemetry/api, for tests of traced code: the
// OpenTelemetry Node SDK registers one like it (@opentelemetry/context-async-hooks); a test that
// uses only sdk-trace-base has none, and spans would then never have parents. Types only from
// the API, so it works with whichever copy of the API registers it.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context, ContextManager } from '@opentelemetry/api';

/**
 * @example
 * context.setGlobalContextManager(new AsyncLocalStorageContextManager(ROOT_CONTEXT));
 */
export class AsyncLocalStorageContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>();

  /** `root`: the API's ROOT_CONTEXT, passed in by the caller's own copy of the API. */
  constructor(private readonly root: Context) {}

  active(): Context {
    return this.#storage.getStore() ?? this.root;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(context: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.#storage.run(context, () => fn.call(thisArg, ...args));
  }

  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const run = (...args: unknown[]) => this.with(context, () => (target as (...a: unknown[]) => unknown)(...args));
    return run as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.#storage.disable();
    return this;
  }
}
