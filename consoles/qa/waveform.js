/**
 * Waveform of one recorded channel: the minimum and maximum sample of each pixel column (so a click
 * or a short word never falls between two drawn samples), drawn as one vertical bar per column.
 * The time axis is shared with the call's timeline: `axis` maps seconds to x (see player.js).
 */

/**
 * Min/max per column of `samples` (Float32Array in [-1, 1]) spread over `columns` columns.
 * @returns {Float32Array} 2 x columns: [min0, max0, min1, max1, ...]; silence gives 0, 0.
 */
export function peaks(samples, columns) {
  const out = new Float32Array(columns * 2);
  const per = samples.length / columns;
  for (let c = 0; c < columns; c++) {
    const start = Math.floor(c * per);
    const end = Math.max(start + 1, Math.floor((c + 1) * per));
    let lo = 0;
    let hi = 0;
    for (let i = start; i < end && i < samples.length; i++) {
      const v = samples[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    out[c * 2] = lo;
    out[c * 2 + 1] = hi;
  }
  return out;
}

/**
 * Draws a channel on `canvas` between x0 and x1 (CSS pixels of the shared axis); the rest stays background.
 * Sets `data-drawn-columns` (columns with signal) for tests and a11y tools.
 */
export function drawChannel(canvas, samples, x0, x1, colour) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
  const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
  canvas.width = w;
  canvas.height = h;
  const g = canvas.getContext('2d');
  g.fillStyle = '#0b1119';
  g.fillRect(0, 0, w, h);
  g.fillStyle = '#2a3646';
  g.fillRect(0, Math.floor(h / 2), w, 1);
  const from = Math.max(0, Math.round(x0 * dpr));
  const cols = Math.max(1, Math.round(x1 * dpr) - from);
  const p = peaks(samples, cols);
  g.fillStyle = colour;
  let drawn = 0;
  const mid = h / 2;
  for (let c = 0; c < cols; c++) {
    const lo = p[c * 2];
    const hi = p[c * 2 + 1];
    if (hi - lo < 1e-4) continue;
    const top = Math.floor(mid - hi * mid);
    const bottom = Math.ceil(mid - lo * mid);
    g.fillRect(from + c, top, 1, Math.max(1, bottom - top));
    drawn++;
  }
  canvas.dataset.drawnColumns = String(drawn);
}
