/**
 * How long each request to an engine took (the metrics' cti120_engine_request_seconds): the clients call the
 * observer they were given once per request, with the command's name, never its parameters.
 */
export type RequestObserver = (command: string, seconds: number, outcome: 'ok' | 'error') => void;

export async function timed<T>(observe: RequestObserver | undefined, command: string, run: () => Promise<T>): Promise<T> {
  if (!observe) return run();
  const started = performance.now();
  try {
    const result = await run();
    observe(command, (performance.now() - started) / 1000, 'ok');
    return result;
  } catch (err) {
    observe(command, (performance.now() - started) / 1000, 'error');
    throw err;
  }
}
