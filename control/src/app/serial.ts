/**
 * Runs tasks of one key strictly one after another (a promise chain per key), tasks of different keys
 * concurrently. Every change to a call goes through its Call-ID's chain, so events of a call are
 * persisted and published in the order they happened, whoever (engine event or distributor) causes them.
 */
export class PerKeySerializer {
  private readonly chains = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(key) ?? Promise.resolve();
    const next = prev.then(task, task);
    const tail = next.catch(() => undefined);
    this.chains.set(key, tail);
    void tail.then(() => { if (this.chains.get(key) === tail) this.chains.delete(key); });
    return next;
  }
}
