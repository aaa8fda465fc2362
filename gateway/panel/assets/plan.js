// A building's site plan with its nodes on it, coloured by state; admins drag nodes into place.
// Positions are set through the CSSOM after rendering: the page's CSP allows no inline styles.
import { postJson } from './api.js';
import { formatNumber, t } from './i18n.js';
import { esc } from './views.js';

/** fire / water / trouble of a node's most urgent open condition, else ok or offline */
function nodeState(node, conditions, offline) {
  const mine = conditions.filter((c) => c.node === node);
  for (const p of ['fire', 'water', 'trouble']) {
    const c = mine.find((x) => x.priority === p);
    if (c) return { cls: `p-${p}${c.state === 'active' ? ' flash' : ''}`, label: t(`priority.${p}`) };
  }
  return offline.has(node) ? { cls: 'offline', label: t('trouble.offline') } : { cls: 'ok', label: t('online') };
}

/** `editable`: markers can be dragged (admin), and nodes without a place wait beside the plan. */
export function planView(site, plan, nodes, conditions, options = {}) {
  if (!plan) return '';
  const offline = new Set(nodes.filter((n) => !n.online).map((n) => n.node));
  const placed = nodes.filter((n) => plan.positions[n.node]);
  const markers = placed
    .map((n) => {
      const p = plan.positions[n.node];
      const s = nodeState(n.node, conditions, offline);
      const focus = options.focus === n.node ? ' focus' : '';
      return `<button type="button" class="marker ${s.cls}${focus}" data-node="${esc(n.node)}" data-x="${p.x}" data-y="${p.y}" title="${esc(n.node)} · ${esc(s.label)}"><span>${esc(n.node)}</span></button>`;
    })
    .join('');
  const waiting = options.editable
    ? nodes
        .filter((n) => !plan.positions[n.node])
        .map(
          (n) =>
            `<button type="button" class="marker waiting" data-node="${esc(n.node)}"><span>${esc(n.node)}</span></button>`,
        )
        .join('')
    : '';
  const src = `/panel/api/plans/${encodeURIComponent(site)}/image?v=${esc(plan.version)}`;
  return (
    `<figure class="plan${options.editable ? ' editable' : ''}" data-site="${esc(site)}">` +
    `<figcaption>${esc(t('sitePlan'))}：${esc(site)}</figcaption>` +
    `<div class="plan-box"><img src="${src}" alt="${esc(site)}">${markers}</div>` +
    (options.editable ? `<div class="plan-waiting">${waiting}</div>` : '') +
    '</figure>'
  );
}

/** Puts every marker at its place (called after the HTML is in the page). */
export function placeMarkers(root = document) {
  for (const m of root.querySelectorAll('.plan-box .marker[data-x]')) {
    m.style.left = `${Number(m.dataset.x) * 100}%`;
    m.style.top = `${Number(m.dataset.y) * 100}%`;
  }
}

/** The admin's plan page: choose a building, upload its drawing, drag nodes onto it. */
export function planAdminView(sites, site, plan, nodes, conditions) {
  const options = sites
    .map((s) => `<option value="${esc(s)}"${s === site ? ' selected' : ''}>${esc(s)}</option>`)
    .join('');
  return (
    `<form id="plan-form" class="filters"><label>${esc(t('building'))} <select name="site" id="plan-site">${options}</select></label>` +
    // the browser's own file control would show "Choose File" in the browser's language: a
    // translated label opens the hidden picker instead
    `<label class="button" tabindex="0">${esc(t('uploadPlan'))}<input type="file" id="plan-file" accept="image/svg+xml,image/png" hidden></label>` +
    `<button type="button" id="plan-save">${esc(t('savePositions'))}</button></form>` +
    // an installer's file: every building's plan and node positions, to carry to another gateway
    `<form id="plan-exchange" class="filters"><a id="plan-export" class="button" href="/panel/api/plans/export" download>${esc(t('exportPlans'))}</a>` +
    `<label class="button" tabindex="0">${esc(t('importPlans'))}<input type="file" id="plan-import" accept="application/json,.json" hidden></label></form>` +
    `<p class="muted">${esc(t(plan ? 'dragHint' : 'noPlan'))}</p>` +
    planView(site, plan, nodes, conditions, { editable: true })
  );
}

/** Dragging a marker (mouse, pen or finger) moves it; dropping it on the plan gives it a place. */
export function enableDragging(root) {
  const box = root.querySelector('.plan-box');
  if (!box) return;
  for (const m of root.querySelectorAll('.plan.editable .marker')) {
    m.addEventListener('pointerdown', (e) => {
      e.preventDefault();
      const move = (ev) => {
        const r = box.getBoundingClientRect();
        const x = Math.min(1, Math.max(0, (ev.clientX - r.left) / r.width));
        const y = Math.min(1, Math.max(0, (ev.clientY - r.top) / r.height));
        if (m.parentElement !== box) box.appendChild(m);
        m.classList.remove('waiting');
        m.dataset.x = x.toFixed(4);
        m.dataset.y = y.toFixed(4);
        placeMarkers(root);
      };
      const up = () => {
        window.removeEventListener('pointermove', move);
        window.removeEventListener('pointerup', up);
      };
      window.addEventListener('pointermove', move);
      window.addEventListener('pointerup', up);
    });
  }
}

export function positionsIn(root) {
  const out = {};
  for (const m of root.querySelectorAll('.plan-box .marker[data-x]'))
    out[m.dataset.node] = { x: Number(m.dataset.x), y: Number(m.dataset.y) };
  return out;
}

/** What an import stored, and which nodes' positions it left out (by id) and why. */
export function importReportView(report) {
  const ids = (list) => list.map((n) => `<code>${esc(n.id)}</code>`).join(' ') || '—';
  return (
    `<dl id="plan-report" class="import-report">` +
    `<dt>${esc(t('import.sites'))}</dt><dd>${esc(report.sites.join('、'))}</dd>` +
    `<dt>${esc(t('import.placed'))}</dt><dd>${formatNumber(report.placed)}</dd>` +
    `<dt>${esc(t('import.unknown'))}</dt><dd class="unknown">${ids(report.unknown)}</dd>` +
    `<dt>${esc(t('import.elsewhere'))}</dt><dd class="elsewhere">${ids(report.elsewhere)}</dd></dl>`
  );
}

/** Sends an exported plan file as it is: the gateway checks all of it before storing anything. */
export async function importPlanFile(file, csrf) {
  const res = await fetch('/panel/api/plans/import', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
    body: file,
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(body.message || `HTTP ${res.status}`), { status: res.status });
  return body.report;
}

export async function uploadPlan(site, file, csrf) {
  const res = await fetch(`/panel/api/plans/${encodeURIComponent(site)}/image`, {
    method: 'PUT',
    credentials: 'same-origin',
    headers: { 'Content-Type': file.type || 'application/octet-stream', 'X-CSRF-Token': csrf },
    body: file,
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(body.message || `HTTP ${res.status}`), { status: res.status });
  return body;
}

export function savePositions(site, positions) {
  return postJson(`/panel/api/plans/${encodeURIComponent(site)}/positions`, positions, 'PUT');
}
