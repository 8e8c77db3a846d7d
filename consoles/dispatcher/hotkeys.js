/**
 * Configurable hotkeys (KeyboardEvent.key, e.g. "F1"): defaults come from GET /v1/consoles/config,
 * a dispatcher's own choice is kept in localStorage on this computer.
 */
export const ACTIONS = ['answer', 'hangup', 'mute', 'hold', 'recall', 'ready', 'not_ready', 'xfer_110', 'xfer_119', 'xfer_122'];
const STORE = 'cti120.dispatcher.hotkeys';

export function loadHotkeys(defaults) {
  let saved = {};
  try { saved = JSON.parse(localStorage.getItem(STORE) ?? '{}'); } catch (e) { console.warn('saved hotkeys unreadable, using defaults', e); }
  return { ...defaults, ...saved };
}

export function saveHotkeys(map) {
  localStorage.setItem(STORE, JSON.stringify(map));
}

export function clearHotkeys() {
  localStorage.removeItem(STORE);
}

/** Calls `handlers[action]()` for a key bound to it; F-keys' browser defaults (help, search) are suppressed. */
export function bindHotkeys(getMap, handlers, isPaused) {
  document.addEventListener('keydown', (e) => {
    if (isPaused()) return;
    const map = getMap();
    const action = ACTIONS.find((a) => map[a] && map[a] === e.key);
    if (!action) return;
    e.preventDefault();
    handlers[action]?.();
  }, true);
}
