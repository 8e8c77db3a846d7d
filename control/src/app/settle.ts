/**
 * A promise's outcome as a value: started now, awaited later (steps run together), its error thrown or handled where
 * the caller's order wants it and never an unhandled rejection meanwhile.
 */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export async function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    return { ok: false, error };
  }
}
