/**
 * Module resolve hook (node:module register(), Node >= 20.6) for bench/acd-decision.ts. When
 * control/src/acd/distributor.ts imports ./strategies/index.ts it gets switchable-select.ts instead, which
 * re-exports the real module and puts a switch in front of selectSeats: the product's selection or a no-op
 * (the first eligible seat). Every other importer, and the shim itself, gets the real module. The Distributor
 * under measurement is the product's class, unchanged, on both paths.
 *
 * Plain JavaScript: hooks run on Node's loader thread, before tsx has a say about this file.
 */
const SUBJECT = '/control/src/acd/strategies/index.ts';
const IMPORTER = '/control/src/acd/distributor.ts';
let shimUrl;

export function initialize(data) {
  shimUrl = data.shimUrl;
}

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (shimUrl && resolved.url.endsWith(SUBJECT) && context.parentURL?.endsWith(IMPORTER)) {
    return { ...resolved, url: shimUrl, shortCircuit: true };
  }
  return resolved;
}
