/** Runs `step` every `everyMs`, never two at once, until it returns true or stop(); a failed step is reported and the next one runs. */
export function ticker(everyMs: number, step: () => Promise<boolean | void>, onError: (err: unknown) => void): { stop(): void } {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    step().then((done) => { if (done) clearInterval(timer); }, onError).finally(() => { busy = false; });
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
