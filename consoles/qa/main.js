/**
 * The QA console (质检席): search the recordings, replay one with both channels' waveforms and the
 * call's timeline on one axis, tag it and download its evidence bundle, score the dispatcher with a QA
 * form, read and export the score cards, and edit the scoring forms. A dispatcher who logs in sees only
 * their own results and replies to them (the server enforces both).
 * Modules: search.js, player.js (+ waveform.js), recording-tools.js, scoring.js, scorecards.js,
 * forms-editor.js, mine.js, download.js; words in i18n/zh-CN.js.
 */
import { createApi, login as apiLogin } from '../shared/api.js';
import { errorText, t, zh } from './i18n/zh-CN.js';
import { createPlayer } from './player.js';
import { createFormsEditor } from './forms-editor.js';
import { createMine } from './mine.js';
import { createRecordingTools } from './recording-tools.js';
import { createScoreCards } from './scorecards.js';
import { createScoring } from './scoring.js';
import { createSearch } from './search.js';

const $ = (id) => document.getElementById(id);
const REVIEWER_ROLES = ['qa', 'supervisor', 'admin'];
const REVIEWER_TABS = ['search', 'scorecards', 'forms'];
const session = { token: null };
const api = createApi({ token: () => session.token, onUnauthorized: () => { $('login-error').textContent = zh.errors.CTI_TOKEN_EXPIRED; } });
const player = createPlayer({ token: () => session.token, root: $('player') });
const scoring = createScoring({ api, root: $('scoring') });
const cards = createScoreCards({ api, token: () => session.token, root: $('cards'), forms: () => scoring.forms() });
const search = createSearch({ api, root: $('search'), onOpen: (hit) => void openHit(hit) });
const tools = createRecordingTools({ api, token: () => session.token, root: $('recording-tools'), onTagsChanged: () => void search.load() });
const formsEditor = createFormsEditor({ api, root: $('forms'), onSaved: () => scoring.loadForms() });
const mine = createMine({ api, root: $('mine') });

function translateStatic() {
  for (const el of document.querySelectorAll('[data-i18n]')) {
    el.textContent = el.dataset.i18n.split('.').reduce((o, k) => o?.[k], zh) ?? el.dataset.i18n;
  }
  document.title = zh.title;
}

function showTab(name) {
  for (const b of document.querySelectorAll('#tabs button')) b.classList.toggle('active', b.dataset.tab === name);
  for (const p of document.querySelectorAll('[data-panel]')) p.classList.toggle('hidden', p.dataset.panel !== name);
  if (name === 'scorecards') void cards.load();
  if (name === 'forms') void formsEditor.load();
  if (name === 'mine') void mine.load();
}

/** Reviewers get search, score cards and forms; a dispatcher only their own results. */
function applyRole(reviewer) {
  document.body.dataset.mode = reviewer ? 'reviewer' : 'dispatcher';
  for (const b of document.querySelectorAll('#tabs button')) b.classList.toggle('hidden', REVIEWER_TABS.includes(b.dataset.tab) !== reviewer);
}

/** Opens one recording: the call's detail feeds both the player's timeline and the scoring form. */
async function openHit(hit) {
  $('player').classList.remove('hidden');
  $('scoring').classList.remove('hidden');
  for (const tr of document.querySelectorAll('[data-testid="search-results"] tr')) tr.classList.toggle('selected', tr.dataset.recording === hit.recording_id);
  try {
    const detail = await api.get(`/v1/calls/${hit.call_id}`);
    await Promise.all([player.open(hit, detail), scoring.open(hit, detail), tools.open(hit)]);
  } catch (e) {
    $('player').querySelector('[data-testid="player-status"]').textContent = errorText(e);
  }
  $('player').scrollIntoView({ block: 'start' });
}

async function onLogin(ev) {
  ev.preventDefault();
  const f = new FormData(ev.target);
  $('login-error').textContent = '';
  $('login-submit').disabled = true;
  $('login-submit').textContent = zh.login.busy;
  try {
    const res = await apiLogin(String(f.get('username')), String(f.get('password')));
    const roles = res.user?.roles ?? [];
    const reviewer = roles.some((r) => REVIEWER_ROLES.includes(r));
    if (!reviewer && !roles.includes('dispatcher')) throw new Error(zh.login.notQa);
    session.token = res.token;
    const who = res.user.display_name ?? res.user.username ?? '';
    $('user-label').textContent = t(reviewer ? zh.header.user : zh.header.dispatcherUser, { user: who });
    applyRole(reviewer);
    if (reviewer) await scoring.loadForms();
    $('login').classList.add('hidden');
    $('app').classList.remove('hidden');
    if (reviewer) await search.load();
    else showTab('mine');
  } catch (e) {
    session.token = null;
    $('login-error').textContent = t(zh.login.failed, { msg: e?.code ? errorText(e) : e?.message ?? String(e) });
  } finally {
    $('login-submit').disabled = false;
    $('login-submit').textContent = zh.login.submit;
  }
}

translateStatic();
$('login-form').addEventListener('submit', onLogin);
$('btn-logout').onclick = async () => {
  player.stop();
  await api.post('/v1/auth/logout').catch(() => undefined);
  location.reload();
};
$('tabs').addEventListener('click', (e) => {
  const b = e.target.closest('button[data-tab]');
  if (b) showTab(b.dataset.tab);
});
