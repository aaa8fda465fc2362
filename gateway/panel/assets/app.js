// The panel in the browser: session, live stream, views by hash route, actions, sound.
import { ApiFailure, csrfToken, getJson, openStream, postJson, setCsrf } from './api.js';
import { centreWarning } from './centre-link.js';
import { currentLang, formatSince, inLang, setLang, t } from './i18n.js';
import { closeForm, incidentsView, incidentView } from './incidents.js';
import {
  enableDragging,
  importPlanFile,
  importReportView,
  placeMarkers,
  planAdminView,
  planView,
  positionsIn,
  savePositions,
  uploadPlan,
} from './plan.js';
import { currentAlert, playAlert, soundUnlocked, trySoundWithoutClick, unlockSound } from './sound.js';
import {
  ALL_BUT_READINGS,
  alarmsView,
  drillsView,
  esc,
  eventRows,
  historyForm,
  historyTable,
  loginView,
  nodesView,
  nodeView,
  refusalsView,
} from './views.js';
import { tickWall, wallView } from './wall.js';

const $ = (sel) => document.querySelector(sel);
const state = {
  session: null,
  overview: null,
  /** gateway clock minus this browser's, so the wall's times since follow the gateway */
  skew: 0,
  stream: null,
  live: false,
  /** refs that were present when the operator muted this screen; a new one sounds again */
  mutedRefs: null,
  /** node states for the history form's suggestions, read once per page load */
  nodeList: null,
  history: { filters: {}, events: [], next: undefined },
  /** site plans by building (placement.site), with node positions */
  plans: {},
  /** the building the admin's plan page shows */
  planSite: undefined,
};

/** The plan of the building of the most urgent condition (or of `site`), with the nodes' states. */
function planFor(site, focus) {
  const plan = site ? state.plans[site] : undefined;
  if (!plan || !state.nodeList || !state.overview) return '';
  const nodes = state.nodeList.filter((n) => n.placement && n.placement.site === site);
  return planView(site, plan, nodes, state.overview.conditions, { focus });
}

function firstSite() {
  const c = state.overview ? state.overview.conditions.find((x) => x.placement) : undefined;
  return c ? c.placement.site : undefined;
}

async function loadPlans() {
  state.plans = (await getJson('/panel/api/plans')).plans;
  state.nodeList = (await getJson('/panel/api/nodes')).nodes;
}

function canAct() {
  return state.session && !state.session.kiosk && state.session.role !== 'viewer';
}

function toast(message, isError) {
  const el = $('#toast');
  el.textContent = message;
  el.className = isError ? 'show error' : 'show';
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => {
    el.className = '';
  }, 5000);
}

function failed(err) {
  if (err instanceof ApiFailure && err.status === 401) return showLogin();
  toast(inLang(err.message), true);
}

// ---- chrome: header, counts, language, sound ----

function renderChrome() {
  document.title = t('title');
  $('#title').textContent = t('title');
  $('#lang').textContent = currentLang() === 'zh' ? 'English' : '中文';
  for (const a of document.querySelectorAll('nav a')) a.textContent = t(a.dataset.label);
  $('#nav-abuse').hidden = !(state.session && state.session.role === 'admin' && !state.session.kiosk);
  $('#nav-plans').hidden = $('#nav-abuse').hidden;
  $('#nav-drills').hidden = !state.session || isKiosk();
  $('#user').textContent = state.session ? (state.session.kiosk ? t('kiosk') : state.session.user) : '';
  $('#logout').hidden = !state.session || state.session.kiosk;
  $('#logout').textContent = t('logout');
  // before a login there is no live link to speak of
  $('#live').hidden = !state.session;
  $('#live').textContent = state.live ? t('live') : t('reconnecting');
  $('#live').className = state.live ? 'live on' : 'live off';
  renderSoundButton();
  const c = state.overview ? state.overview.counts : null;
  $('#counts').innerHTML = c
    ? [
        ['alarms', 'activeAlarms', c.alarms],
        ['unack', 'unacknowledged', c.unacknowledged],
        ['troubles', 'troubles', c.troubles],
        ['offline', 'offline', c.offline],
      ]
        .map(
          ([id, label, n]) =>
            `<div class="count ${n ? 'nonzero' : ''}" id="count-${id}"><b>${n}</b>${esc(t(label))}</div>`,
        )
        .join('')
    : '';
  const warning = state.overview ? centreWarning(state.overview.health.centre, state.overview.now) : '';
  $('#centre-warning').innerHTML = warning;
  $('#centre-warning').hidden = !warning;
  document.body.classList.toggle('alarming', Boolean(c && c.unacknowledged));
  document.body.classList.toggle('kiosk', isKiosk());
  // where sound could not start by itself, the wall says so in large letters: one touch turns it on
  $('#sound-prompt').hidden = !(isKiosk() && !soundUnlocked());
  $('#sound-prompt').textContent = t('soundPrompt');
}

function isAdmin() {
  return Boolean(state.session && state.session.role === 'admin' && !state.session.kiosk);
}

function isKiosk() {
  return Boolean(state.session && state.session.kiosk);
}

function renderSoundButton() {
  const b = $('#sound');
  if (!soundUnlocked()) {
    b.textContent = t('soundNeeded');
    b.className = 'attention';
  } else if (state.mutedRefs) {
    b.textContent = `♪ ${t('soundOn')}`;
    b.className = '';
  } else {
    b.textContent = `♪ ${t('soundOff')}`;
    b.className = '';
  }
}

/** The most urgent unacknowledged kind decides the tone; muting lasts until a new condition appears. */
function updateSound() {
  const active = state.overview ? state.overview.conditions.filter((c) => c.state === 'active') : [];
  if (state.mutedRefs && active.some((c) => !state.mutedRefs.has(c.ref))) state.mutedRefs = null;
  const kind = state.mutedRefs
    ? null
    : ['fire', 'water', 'trouble'].find((p) => active.some((c) => c.priority === p)) || null;
  if (kind !== currentAlert()) playAlert(kind);
  // what is sounding, for the wall screen's CSS and for tests
  document.body.dataset.alert = soundUnlocked() && kind ? kind : '';
  renderSoundButton();
}

// ---- views ----

function route() {
  const hash = location.hash || '#/alarms';
  const [, view, arg] = hash.split('/');
  for (const a of document.querySelectorAll('nav a'))
    a.classList.toggle('current', hash.startsWith(a.getAttribute('href')));
  return { view: view || 'alarms', arg: arg ? decodeURIComponent(arg) : undefined };
}

async function renderView() {
  if (!state.session) return;
  const { view, arg } = route();
  const main = $('#main');
  try {
    if (view === 'alarms' && isKiosk())
      main.innerHTML = state.overview ? wallView(state.overview, planFor(firstSite())) : '';
    else if (view === 'alarms')
      main.innerHTML = state.overview ? alarmsView(state.overview, canAct()) + planFor(firstSite()) : '';
    else if (view === 'nodes') main.innerHTML = nodesView((await getJson('/panel/api/nodes')).nodes);
    else if (view === 'node' && arg) {
      const data = await getJson(`/panel/api/nodes/${encodeURIComponent(arg)}`);
      main.innerHTML = nodeView(data, canAct(), planFor(data.node.placement && data.node.placement.site, arg));
    } else if (view === 'plans') renderPlans();
    else if (view === 'history') await renderHistory(false);
    else if (view === 'abuse') main.innerHTML = refusalsView(await getJson('/panel/api/refusals'));
    else if (view === 'drills') {
      if (!state.nodeList) state.nodeList = (await getJson('/panel/api/nodes')).nodes;
      main.innerHTML = drillsView(await getJson('/panel/api/drills'), isAdmin(), state.nodeList);
    } else if (view === 'incidents') main.innerHTML = incidentsView((await getJson('/panel/api/incidents')).incidents);
    else if (view === 'incident' && arg)
      main.innerHTML = incidentView(await getJson(`/panel/api/incidents/${encodeURIComponent(arg)}`), canAct());
    placeMarkers(main);
  } catch (err) {
    failed(err);
  }
}

function renderPlans() {
  const nodes = state.nodeList || [];
  const sites = [...new Set(nodes.map((n) => n.placement && n.placement.site).filter(Boolean))].sort();
  if (!sites.includes(state.planSite)) state.planSite = sites[0];
  const site = state.planSite;
  const mine = nodes.filter((n) => n.placement && n.placement.site === site);
  const conditions = state.overview ? state.overview.conditions : [];
  $('#main').innerHTML = planAdminView(sites, site, state.plans[site], mine, conditions);
  placeMarkers($('#main'));
  enableDragging($('#main'));
}

function historyParams(f) {
  const p = new URLSearchParams();
  if (f.enterprise) p.set('enterprise', f.enterprise);
  if (f.zone) p.set('zone', f.zone);
  p.set('kinds', f.kinds || ALL_BUT_READINGS);
  // "2026-01-31 08:00" in the panel's own time zone
  const ms = (text) => {
    const day = text.trim().split(' ');
    return String(new Date(`${day[0]}T${day[1] || '00:00'}`).getTime());
  };
  if (f.from) p.set('from', ms(f.from));
  if (f.to) p.set('to', ms(f.to));
  return p;
}

async function renderHistory(more) {
  const h = state.history;
  const p = historyParams(h.filters);
  if (more && h.next) p.set('before', String(h.next));
  const page = await getJson(`/panel/api/history?${p}`);
  h.events = more ? h.events.concat(page.events) : page.events;
  h.next = page.next;
  if (!state.nodeList) state.nodeList = (await getJson('/panel/api/nodes')).nodes;
  const nodes = state.nodeList;
  $('#main').innerHTML =
    historyForm(h.filters, nodes, canAct()) + historyTable(h.events, canAct(), h.next !== undefined);
  if ($('#csv-link')) $('#csv-link').href = `/panel/api/history.csv?${historyParams(h.filters)}`;
}

// ---- live data ----

async function refreshOverview() {
  try {
    state.overview = await getJson('/panel/api/overview');
    state.skew = state.overview.now - Date.now();
    if (Object.keys(state.plans).length) state.nodeList = (await getJson('/panel/api/nodes')).nodes;
    renderChrome();
    updateSound();
    const { view } = route();
    if (view === 'alarms' || view === 'nodes') await renderView();
  } catch (err) {
    failed(err);
  }
}

let refreshTimer;
function onDecided(event) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refreshOverview, 50);
  const { view, arg } = route();
  if (view === 'node' && arg === event.node) renderView();
  if (view === 'incidents' || view === 'incident') renderView();
  // a filtered history is left alone: the new event may not match it
  const unfiltered = Object.values(state.history.filters).every((v) => !v);
  if (view === 'history' && unfiltered && $('#history-rows')) {
    state.history.events.unshift(event);
    $('#history-rows').insertAdjacentHTML('afterbegin', eventRows([event], canAct()));
  }
}

async function start(session) {
  state.session = session;
  setCsrf(session.csrf);
  $('#main').innerHTML = '';
  await loadPlans().catch(failed);
  await refreshOverview();
  if (state.stream) state.stream.close();
  state.stream = openStream(
    state.overview ? state.overview.lastSeq : 0,
    onDecided,
    (ok) => {
      state.live = ok;
      renderChrome();
      if (ok) refreshOverview();
    },
    (err) => showLogin(err.body.needsSetup),
  );
  await renderView();
}

function showLogin(needsSetup) {
  state.session = null;
  state.overview = null;
  if (state.stream) state.stream.close();
  playAlert(null);
  renderChrome();
  $('#main').innerHTML = loginView(Boolean(needsSetup));
}

// ---- actions ----

function ask(title, bodyHtml) {
  const dialog = $('#dialog');
  $('#dialog-title').textContent = title;
  $('#dialog-body').innerHTML = bodyHtml;
  $('#dialog-ok').textContent = t('save');
  $('#dialog-cancel').textContent = t('cancel');
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.onclose = () => resolve(dialog.returnValue === 'ok' ? new FormData($('#dialog-form')) : null);
  });
}

async function act(button) {
  const { action, ref, event, node } = button.dataset;
  let body;
  if (action === 'acknowledge' || action === 'reset') body = { action, ref };
  else if (action === 'test') body = { action, node };
  else if (action === 'silence') {
    const form = await ask(
      t('silence'),
      `<select name="seconds">${[60, 300, 600].map((s) => `<option value="${s}"${s === 300 ? ' selected' : ''}>${esc(formatSince(0, s * 1000))}</option>`).join('')}</select>`,
    );
    if (!form) return;
    body = { action, ref, seconds: Number(form.get('seconds')) };
  } else if (action === 'note') {
    const form = await ask(
      t('note'),
      `<textarea name="note" rows="3" maxlength="500" required placeholder="${esc(t('notePlaceholder'))}"></textarea>`,
    );
    if (!form || !String(form.get('note')).trim()) return;
    body = { action, event, note: String(form.get('note')).trim() };
  } else if (action === 'close') {
    const form = await ask(t('closeIncident'), closeForm());
    if (!form) return;
    const note = String(form.get('note') || '').trim();
    body = { action, incident: button.dataset.incident, cause: String(form.get('cause')), ...(note ? { note } : {}) };
  } else return;
  button.disabled = true;
  try {
    await postJson('/panel/api/actions', body);
    toast(`${t(action === 'close' ? 'closeIncident' : action)}: ${t('done')}`);
    await refreshOverview();
    if (route().view === 'incident') await renderView();
  } catch (err) {
    failed(err);
  } finally {
    button.disabled = false;
  }
}

async function changeDrill(body) {
  try {
    await postJson('/panel/api/drills', body);
    toast(`${t(body.action === 'start' ? 'drillStart' : 'drillStop')}: ${t('done')}`);
    await renderView();
  } catch (err) {
    failed(err);
  }
}

// ---- wiring ----

async function soundOn() {
  await unlockSound();
  playAlert(null);
  state.mutedRefs = null;
  updateSound();
  renderChrome();
}

document.addEventListener('click', async (e) => {
  if (isKiosk() && !soundUnlocked()) return soundOn();
  const target = e.target.closest('button, a');
  if (!target) return;
  if (target.dataset.action) return act(target);
  if (target.dataset.drillStop !== undefined)
    return changeDrill({ action: 'stop', enterprise: target.dataset.drillStop });
  if (target.id === 'lang') {
    setLang(currentLang() === 'zh' ? 'en' : 'zh');
    renderChrome();
    if (state.session) renderView();
    else showLogin($('#setup-form') !== null);
  } else if (target.id === 'sound') {
    if (!soundUnlocked()) return soundOn();
    if (state.mutedRefs) state.mutedRefs = null;
    else state.mutedRefs = new Set((state.overview ? state.overview.conditions : []).map((c) => c.ref));
    updateSound();
  } else if (target.id === 'logout') {
    await postJson('/panel/api/logout', {}).catch(() => undefined);
    showLogin(false);
  } else if (target.id === 'history-more') {
    renderHistory(true).catch(failed);
  } else if (target.id === 'plan-save') {
    try {
      await savePositions(state.planSite, positionsIn($('#main')));
      await loadPlans();
      toast(`${t('savePositions')}: ${t('done')}`);
    } catch (err) {
      failed(err);
    }
  }
});

document.addEventListener('submit', async (e) => {
  const form = e.target;
  if (!['login-form', 'setup-form', 'history-form', 'drill-form'].includes(form.id)) return;
  e.preventDefault();
  const data = Object.fromEntries(new FormData(form));
  if (form.id === 'drill-form') return changeDrill({ action: 'start', ...data });
  try {
    if (form.id === 'history-form') {
      state.history.filters = data;
      await renderHistory(false);
      return;
    }
    const session = await postJson(form.id === 'login-form' ? '/panel/api/login' : '/panel/api/setup', data);
    await start(session);
  } catch (err) {
    toast(inLang(err.message), true);
  }
});

// a file picker behind a translated label opens from the keyboard too
document.addEventListener('keydown', (e) => {
  const input =
    (e.key === 'Enter' || e.key === ' ') && e.target.closest?.('label.button')?.querySelector('input[type=file]');
  if (!input) return;
  e.preventDefault();
  input.click();
});

document.addEventListener('change', async (e) => {
  if (e.target.id === 'plan-site') {
    state.planSite = e.target.value;
    renderPlans();
  } else if (e.target.id === 'plan-file' && e.target.files[0]) {
    try {
      await uploadPlan(state.planSite, e.target.files[0], csrfToken());
      await loadPlans();
      renderPlans();
      toast(`${t('uploadPlan')}: ${t('done')}`);
    } catch (err) {
      toast(inLang(err.message), true);
    }
  } else if (e.target.id === 'plan-import' && e.target.files[0]) {
    try {
      const report = await importPlanFile(e.target.files[0], csrfToken());
      await loadPlans();
      renderPlans();
      $('#plan-exchange').insertAdjacentHTML('afterend', importReportView(report));
      toast(`${t('importPlans')}: ${t('done')}`);
    } catch (err) {
      e.target.value = '';
      toast(inLang(err.message), true);
    }
  }
});

window.addEventListener('hashchange', () => renderView());

async function boot() {
  setLang(currentLang());
  trySoundWithoutClick(() => {
    playAlert(null);
    updateSound();
    renderChrome();
  });
  renderChrome();
  try {
    await start(await getJson('/panel/api/session'));
  } catch (err) {
    if (err instanceof ApiFailure && err.status === 401) showLogin(err.body.needsSetup);
    else toast(inLang(err.message), true);
  }
  // node health (online, last seen) changes without events: refresh it now and then
  setInterval(() => state.session && refreshOverview(), 15_000);
  // the wall's clock and times since, and the durations in the centre-link warning
  setInterval(() => state.session && tickWall(Date.now() + state.skew), 1000);
}

boot();
