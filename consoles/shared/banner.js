/**
 * Page banners, one per topic, in the page's #banners element: a later message on a topic replaces the earlier one,
 * no text removes it. `level` is a CSS class (ok, warn, error). Shared by the consoles.
 */
export function banner(topic, level, text) {
  let el = document.querySelector(`[data-topic="${topic}"]`);
  if (!text) { el?.remove(); return; }
  if (!el) {
    el = document.createElement('div');
    el.dataset.topic = topic;
    document.getElementById('banners').append(el);
  }
  el.className = `banner ${level}`;
  el.dataset.testid = `banner-${topic}`;
  el.textContent = text;
}
