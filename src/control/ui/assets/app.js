// membermock dashboard: plain JavaScript, no library, no build step (docs/dashboard.md).
// Everything the page shows comes from the control plane; everything it changes goes through
// it. Text from the server is only ever set as text (never as HTML).
'use strict';

(() => {
  const VENDORS = {
    luminate: 'Luminate Online',
    smarteru: 'SmarterU',
    yourmembership: 'YourMembership',
  };
  const MAX_ROWS = 500; // journal rows kept in the page
  const PULSE_MS = 2000;

  const $ = (sel) => document.querySelector(sel);
  const ui = {
    selected: null, // {api, tenant}
    tenants: [],
    people: [],
    catalogue: [],
    offset: 0,
    version: null,
    faultsJson: '',
    operations: {},
    clock: null, // {now: ms, real, frozen, at: performance.now()}
    detailId: null,
  };

  // ------------------------------------------------------------------ helpers

  /** An element with attributes and children (strings become text nodes). */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.error) || `HTTP ${status}`);
      this.status = status;
      this.path = body && body.path;
    }
  }

  /** A control-plane call: JSON in, JSON out; errors as ApiError with the server's message. */
  async function call(path, options = {}) {
    const init = { method: options.method || 'GET', credentials: 'same-origin', headers: {} };
    if (options.body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    }
    const res = await fetch(path, init);
    const text = await res.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch (_) { body = { error: text }; }
    if (res.status === 401) askForToken();
    if (!res.ok) throw new ApiError(res.status, body);
    return body;
  }

  let toastTimer = null;
  function toast(message, kind) {
    const t = $('#toast');
    t.textContent = message;
    t.dataset.kind = kind || 'info';
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { t.hidden = true; }, kind === 'error' ? 8000 : 3000);
  }

  function errorText(e) {
    return e.path ? `${e.message} (at ${e.path})` : e.message;
  }

  function pad(n, w) { return String(n).padStart(w || 2, '0'); }
  function timeOf(iso) {
    const d = new Date(iso);
    return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
  }

  function vendorBadge(api) {
    return h('span', { class: `vendor v-${api}` }, VENDORS[api] || api);
  }

  // ------------------------------------------------------------------ authentication

  let asking = false;
  function askForToken() {
    const dialog = $('#login');
    if (asking || !dialog) return;
    asking = true;
    dialog.showModal();
  }

  $('#login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const token = $('#login-token').value.trim();
    const err = $('#login-error');
    try {
      await call('/_mock/ui/session', { method: 'POST', body: { token } });
      $('#login-token').value = '';
      $('#login').close();
      asking = false;
      start();
    } catch (e) {
      err.textContent = errorText(e);
      err.hidden = false;
    }
  });

  // ------------------------------------------------------------------ clock

  async function moveClock(body) {
    try {
      await call('/_mock/clock', { method: 'POST', body });
      await pulse();
      refreshTenantCounts();
    } catch (e) { toast(errorText(e), 'error'); }
  }

  function showClock(clock) {
    const now = Date.parse(clock.now);
    ui.clock = { now, real: clock.real, frozen: clock.frozen, at: performance.now() };
    renderClock();
  }

  /** The app clock's time now (ms), as last read and run on since; `null` before the first read. */
  function clockNow() {
    const c = ui.clock;
    if (!c) return null;
    return c.frozen ? c.now : c.now + (performance.now() - c.at);
  }

  function renderClock() {
    const c = ui.clock;
    if (!c) return;
    const now = clockNow();
    const d = new Date(now);
    $('#clock').textContent = d.toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
    $('#clock').dateTime = d.toISOString();
    const mode = $('#clock-mode');
    const ahead = Math.round((now - Date.now()) / 60000);
    if (c.real) { mode.textContent = 'real time'; mode.dataset.mode = 'real'; }
    else if (c.frozen) { mode.textContent = 'frozen'; mode.dataset.mode = 'frozen'; }
    else {
      mode.textContent = ahead === 0 ? 'moved' : `${ahead > 0 ? '+' : ''}${ahead} min`;
      mode.dataset.mode = 'moved';
    }
  }

  document.querySelectorAll('[data-advance]').forEach((b) =>
    b.addEventListener('click', () => moveClock({ advance_seconds: Number(b.dataset.advance) })));
  $('#clock-freeze').addEventListener('click', () => {
    moveClock({ now: new Date(clockNow() ?? Date.now()).toISOString() });
  });
  $('#clock-real').addEventListener('click', () => moveClock({ real: true }));
  setInterval(renderClock, 1000);

  // ------------------------------------------------------------------ reset and seed

  let resetArmed = null;
  $('#reset').addEventListener('click', async () => {
    const b = $('#reset');
    if (!resetArmed) {
      b.textContent = 'Really reset?';
      resetArmed = setTimeout(() => { b.textContent = 'Reset'; resetArmed = null; }, 4000);
      return;
    }
    clearTimeout(resetArmed);
    resetArmed = null;
    b.textContent = 'Reset';
    try {
      const r = await call('/_mock/reset', { method: 'POST' });
      toast(`Reset to the start-up state in ${r.duration_ms.toFixed(1)} ms`);
      await pulse();
      await refreshTenants();
    } catch (e) { toast(errorText(e), 'error'); }
  });

  $('#seed-file').addEventListener('change', async (ev) => {
    const file = ev.target.files[0];
    ev.target.value = '';
    if (!file) return;
    try {
      const r = await call('/_mock/seed', { method: 'POST', body: await file.text() });
      const names = Object.entries(r.tenants || {})
        .filter(([, list]) => list.length)
        .map(([api, list]) => `${VENDORS[api] || api} ${list.join(', ')}`);
      toast(`Seeded ${file.name}: ${names.join('; ') || 'nothing'}`);
      await refreshTenants();
    } catch (e) { toast(`${file.name}: ${errorText(e)}`, 'error'); }
  });

  // ------------------------------------------------------------------ tenants and people

  async function refreshTenants() {
    let answer;
    try { answer = await call('/_mock/ui/tenants'); } catch (e) { return; }
    const list = answer.tenants;
    ui.tenants = list;
    ui.operations = answer.operations;
    const nav = $('#tenant-list');
    nav.replaceChildren();
    for (const api of Object.keys(VENDORS)) {
      const mine = list.filter((t) => t.api === api);
      if (!mine.length) continue;
      nav.append(h('div', { class: 'vendor-row' }, vendorBadge(api),
        mine.map((t) => h('button', {
          type: 'button',
          class: 'tenant',
          dataset: { api: t.api, tenant: t.tenant },
          'aria-pressed': String(isSelected(t)),
          onclick: () => select(t),
        }, h('b', {}, t.tenant), h('small', {}, ` ${t.people} people · ${t.groups} groups`)))));
    }
    refreshTenantNames();
    fillOperations();
    if (!ui.selected || !list.some(isSelected)) {
      if (list.length) await select(list[0], true);
      return;
    }
    renderTenantDetail();
    await refreshPeople();
  }

  function isSelected(t) {
    return !!ui.selected && ui.selected.api === t.api && ui.selected.tenant === t.tenant;
  }

  /** Show tenant `t`; `fresh`: its counts were just read. */
  async function select(t, fresh) {
    ui.selected = { api: t.api, tenant: t.tenant };
    ui.offset = 0;
    document.querySelectorAll('#tenant-list .tenant').forEach((b) => {
      b.setAttribute('aria-pressed', String(b.dataset.api === t.api && b.dataset.tenant === t.tenant));
    });
    renderTenantDetail();
    await Promise.all([refreshPeople(), fresh ? null : refreshTenantCounts()]);
  }

  function renderTenantDetail() {
    const t = ui.tenants.find(isSelected);
    const box = $('#tenant-detail');
    if (!t) { box.replaceChildren(); return; }
    const facts = [['people', t.people], ['groups', t.groups]];
    if (t.api !== 'smarteru') {
      facts.push(['sessions', `${t.sessions.live} live, ${t.sessions.expired} expired`]);
    }
    for (const [k, v] of t.settings) facts.push([k, v]);
    box.replaceChildren(h('div', { class: 'facts' },
      facts.map(([k, v]) => h('span', {}, h('span', { class: 'muted' }, `${k} `), String(v)))));
  }

  let searchTimer = null;
  $('#people-search').addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => { ui.offset = 0; refreshPeople(); }, 200);
  });
  $('#people-more').addEventListener('click', () => refreshPeople(true));

  async function refreshPeople(more) {
    const sel = ui.selected;
    if (!sel) return;
    const q = $('#people-search').value.trim();
    const offset = more ? ui.people.length : 0;
    const limit = more ? 50 : Math.max(50, ui.people.length);
    const params = new URLSearchParams({ api: sel.api, tenant: sel.tenant, offset, limit });
    if (q) params.set('q', q);
    let page;
    try { page = await call(`/_mock/ui/people?${params}`); } catch (e) { return; }
    if (ui.selected !== sel) return; // another tenant was chosen meanwhile
    ui.people = more ? ui.people.concat(page.people) : page.people;
    ui.catalogue = page.catalogue;
    renderPeople(page.more);
  }

  function renderPeople(more) {
    const sel = ui.selected;
    const body = $('#people tbody');
    body.replaceChildren(...ui.people.map((p) => personRow(sel, p)));
    $('#people-more').hidden = !more;
    $('#people-note').textContent = ui.people.length ? ''
      : ($('#people-search').value ? 'Nobody matches.' : 'This tenant has no people.');
  }

  function personRow(sel, p) {
    const theirs = new Set(p.groups.filter((g) => g.member).map((g) => g.id));
    const choices = ui.catalogue.filter((g) => !theirs.has(g.id));
    const select = h('select', { 'aria-label': `group to add ${p.name || p.id} to` },
      h('option', { value: '' }, '+ add to group…'),
      choices.map((g) => h('option', { value: g.id }, g.kind ? `${g.name} (${g.kind})` : g.name)));
    select.addEventListener('change', () => {
      if (select.value) changeMembership(sel, p, select.value, true);
    });
    return h('tr', { dataset: { person: p.id } },
      h('td', { class: 'person' },
        h('div', {}, h('b', {}, p.name || '(no name)'), ' ', h('code', {}, p.id), ' ',
          p.tags.map((t) => h('span', { class: 'tag' }, t))),
        h('div', { class: 'muted' }, [p.email, p.login].filter(Boolean).join(' · '))),
      h('td', { class: 'groups' },
        p.groups.length ? null : h('span', { class: 'muted' }, 'no groups '),
        p.groups.map((g) => h('span', { class: 'chip', dataset: { group: g.id } },
          g.name,
          g.notes.length ? h('small', {}, ` ${g.notes.join(', ')}`) : null,
          g.member ? h('button', {
            type: 'button',
            class: 'remove',
            title: `remove ${p.name || p.id} from ${g.name}`,
            'aria-label': `remove from ${g.name}`,
            onclick: () => changeMembership(sel, p, g.id, false),
          }, '×') : h('span', { class: 'spacer' }))),
        choices.length ? select : null));
  }

  async function changeMembership(sel, person, group, member) {
    try {
      const r = await call('/_mock/ui/membership', {
        method: 'POST',
        body: { api: sel.api, tenant: sel.tenant, person: person.id, group, member },
      });
      person.groups = r.groups;
      const name = (ui.catalogue.find((g) => g.id === group) || {}).name || group;
      toast(`${person.name || person.id} ${member ? 'added to' : 'removed from'} ${name}`);
      renderPeople(!$('#people-more').hidden);
    } catch (e) { toast(errorText(e), 'error'); }
  }

  // ------------------------------------------------------------------ live journal

  let feed = null;
  let lastId = 0;
  function connect() {
    if (feed) feed.close();
    feed = new EventSource(`/_mock/ui/events?after=${lastId}`);
    const live = $('#live');
    feed.onopen = () => { live.dataset.state = 'live'; live.textContent = 'live'; };
    feed.onerror = () => {
      live.dataset.state = 'down';
      live.textContent = 'reconnecting…';
      // A refused feed (401) does not come back by itself: ask, then reconnect.
      if (feed.readyState === EventSource.CLOSED) {
        call('/_mock/ui/pulse').then(() => setTimeout(connect, 1000), () => setTimeout(connect, 3000));
      }
    };
    feed.addEventListener('call', (ev) => {
      const entry = JSON.parse(ev.data);
      lastId = Math.max(lastId, entry.id);
      addCall(entry);
    });
    feed.addEventListener('cleared', () => {
      $('#journal tbody').replaceChildren();
      updateJournalCount();
    });
    feed.addEventListener('skipped', (ev) => {
      const n = JSON.parse(ev.data).count;
      addNote(`${n} calls arrived faster than the page could show them`);
    });
  }

  let pending = [];
  function addCall(entry) {
    if ($('#journal-pause').checked) {
      // The table shows the newest MAX_ROWS: older calls held while paused would not stay.
      pending.push(entry);
      if (pending.length > MAX_ROWS) pending.shift();
      return;
    }
    const body = $('#journal tbody');
    body.prepend(callRow(entry));
    while (body.rows.length > MAX_ROWS) body.deleteRow(-1);
    updateJournalCount();
    // The selected tenant's people may have changed with it.
    if (ui.selected && entry.api === ui.selected.api && entry.tenant === ui.selected.tenant) {
      schedulePeopleRefresh();
    }
  }

  $('#journal-pause').addEventListener('change', (ev) => {
    if (!ev.target.checked) { const p = pending; pending = []; p.forEach(addCall); }
  });

  function addNote(text) {
    $('#journal tbody').prepend(h('tr', { class: 'note' }, h('td', { colspan: 8 }, text)));
  }

  function updateJournalCount() {
    const n = $('#journal tbody').rows.length;
    $('#journal-count').textContent = n ? `${n} shown` : '';
    $('#journal-empty').hidden = n > 0;
    applyFilter();
  }

  function status(entry) {
    if (entry.status === 0) return 'dropped';
    return String(entry.status);
  }

  function faultText(fault) {
    if (!fault) return '';
    const [k, v] = Object.entries(fault.effect)[0] || ['', ''];
    const shown = { latency_ms: `+${v} ms`, vendor_error: `code ${v}`, http_status: `HTTP ${v}`, drop_connection: 'drop' }[k] || k;
    return `#${fault.rule} ${shown}`;
  }

  function callRow(e) {
    const cls = [e.fault ? 'faulted' : '', e.status >= 400 || e.status === 0 ? 'failed' : '', e.vendor_code ? 'coded' : '']
      .filter(Boolean).join(' ');
    return h('tr', {
      class: `call ${cls}`,
      tabindex: 0,
      dataset: { id: e.id, api: e.api, operation: e.operation, status: e.status, search: [VENDORS[e.api], e.api, e.tenant, e.operation, e.status, e.vendor_code].join(' ').toLowerCase() },
      onclick: () => showDetail(e.id),
      onkeydown: (ev) => { if (ev.key === 'Enter') showDetail(e.id); },
    },
    h('td', { class: 'time' }, timeOf(e.time)),
    h('td', {}, vendorBadge(e.api)),
    h('td', {}, e.tenant || '—'),
    h('td', { class: 'op' }, e.operation),
    h('td', { class: 'status' }, status(e)),
    h('td', { class: 'code' }, e.vendor_code || ''),
    h('td', { class: 'fault' }, faultText(e.fault)),
    h('td', { class: 'num' }, e.duration_ms.toFixed(1)));
  }

  function applyFilter() {
    const q = $('#journal-filter').value.trim().toLowerCase();
    for (const row of $('#journal tbody').rows) {
      if (!row.dataset.search) continue;
      row.hidden = !!q && !q.split(/\s+/).every((w) => row.dataset.search.includes(w));
    }
  }
  $('#journal-filter').addEventListener('input', applyFilter);

  $('#journal-clear').addEventListener('click', async () => {
    try { await call('/_mock/requests', { method: 'DELETE' }); } catch (e) { toast(errorText(e), 'error'); }
  });

  let peopleTimer = null;
  function schedulePeopleRefresh() {
    clearTimeout(peopleTimer);
    peopleTimer = setTimeout(() => { refreshPeople(); refreshTenantCounts(); }, 250);
  }

  async function refreshTenantCounts() {
    try { ui.tenants = (await call('/_mock/ui/tenants')).tenants; } catch (e) { return; }
    renderTenantDetail();
  }

  // ------------------------------------------------------------------ call detail

  async function showDetail(id) {
    ui.detailId = id;
    let e;
    try { e = await call(`/_mock/requests/${id}`); } catch (err) { toast(errorText(err), 'error'); return; }
    if (ui.detailId !== id) return;
    $('#detail-title').replaceChildren(vendorBadge(e.api), ` ${e.operation}`);
    const facts = [
      ['call', `#${e.id} at ${e.time}`],
      ['tenant', e.tenant || '—'],
      ['request', `${e.method} ${e.path}`],
      ['status', status(e)],
      ['vendor code', e.vendor_code || '—'],
      ['injected fault', e.fault ? `${faultText(e.fault)} ${JSON.stringify(e.fault.effect)}` : '—'],
      ['duration', `${e.duration_ms.toFixed(2)} ms`],
    ];
    $('#detail-facts').replaceChildren(...facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
    $('#detail-params tbody').replaceChildren(...(e.params.length ? e.params.map(([k, v]) =>
      h('tr', {}, h('th', {}, k), h('td', { class: v === '****' ? 'masked' : '' }, v)))
      : [h('tr', {}, h('td', { class: 'muted' }, 'none'))]));
    const a = e.answer;
    const note = $('#detail-answer-note');
    const pre = $('#detail-answer');
    if (!a) {
      note.textContent = '(not kept)';
      pre.textContent = '';
    } else {
      note.textContent = `${a.content_type || 'no content type'} · ${a.bytes} bytes${a.truncated ? ' · cut' : ''} · secrets masked`;
      pre.textContent = a.bytes === 0 ? '(empty body)' : pretty(a.body, a.content_type) + (a.truncated ? '\n…' : '');
    }
    $('#detail').hidden = false;
    document.body.classList.add('with-detail');
  }

  function pretty(body, type) {
    const t = (type || '').toLowerCase();
    if (t.includes('json')) {
      try { return JSON.stringify(JSON.parse(body), null, 2); } catch (_) { return body; }
    }
    if (t.includes('xml')) {
      let depth = 0;
      return body.replace(/>\s*</g, '>\n<').split('\n').map((line) => {
        if (/^<\//.test(line)) depth = Math.max(0, depth - 1);
        const out = '  '.repeat(depth) + line;
        if (/^<[^!?/][^>]*[^/]>$/.test(line) && !/<\//.test(line)) depth += 1;
        return out;
      }).join('\n');
    }
    return body;
  }

  function closeDetail() {
    $('#detail').hidden = true;
    ui.detailId = null;
    document.body.classList.remove('with-detail');
  }
  $('#detail-close').addEventListener('click', closeDetail);
  document.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') closeDetail(); });

  // ------------------------------------------------------------------ faults

  const form = $('#fault-form');
  const placeholders = { vendor_error: 'code', http_status: '503', latency_ms: '2000', drop_connection: '' };
  form.elements.effect.addEventListener('change', () => {
    const effect = form.elements.effect.value;
    form.elements.value.placeholder = placeholders[effect];
    form.elements.value.disabled = effect === 'drop_connection';
  });
  form.elements.api.addEventListener('change', () => { fillOperations(); refreshTenantNames(); });

  function refreshTenantNames() {
    const api = form.elements.api.value;
    $('#tenant-names').replaceChildren(...ui.tenants.filter((t) => t.api === api).map((t) => h('option', { value: t.tenant })));
  }

  function fillOperations() {
    const ops = ui.operations[form.elements.api.value] || [];
    $('#operations').replaceChildren(...ops.map((o) => h('option', { value: o })));
  }

  function number(v) { return /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v; }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = form.elements;
    const spec = { api: f.api.value };
    if (f.operation.value.trim()) spec.operation = f.operation.value.trim();
    if (f.tenant.value.trim()) spec.tenant = f.tenant.value.trim();
    const value = f.value.value.trim();
    switch (f.effect.value) {
      case 'vendor_error': spec.effect = { vendor_error: value }; break;
      case 'http_status': spec.effect = { http_status: number(value || '503') }; break;
      case 'latency_ms': spec.effect = { latency_ms: number(value || '1000') }; break;
      default: spec.effect = { drop_connection: true };
    }
    if (f.probability.value.trim()) spec.probability = number(f.probability.value.trim());
    if (f.times.value.trim()) spec.times = number(f.times.value.trim());
    const err = $('#fault-error');
    try {
      const rule = await call('/_mock/faults', { method: 'POST', body: spec });
      err.hidden = true;
      toast(`Fault rule #${rule.id} added`);
      await pulse();
    } catch (e) {
      err.textContent = errorText(e);
      err.hidden = false;
    }
  });

  function renderFaults(faults) {
    const json = JSON.stringify(faults);
    if (json === ui.faultsJson) return;
    ui.faultsJson = json;
    $('#faults tbody').replaceChildren(...faults.map((r) => h('tr', { dataset: { rule: r.id } },
      h('td', {}, r.id),
      h('td', {}, vendorBadge(r.api)),
      h('td', {}, r.operation || 'any'),
      h('td', {}, r.tenant || 'any'),
      h('td', {}, faultText({ rule: r.id, effect: r.effect }).replace(/^#\d+ /, '')),
      h('td', {}, r.probability === undefined ? '1' : r.probability),
      h('td', {}, r.times === undefined ? 'always' : r.times),
      h('td', { class: 'fired' }, r.fired),
      h('td', {}, h('button', {
        type: 'button',
        class: 'remove',
        title: `remove rule #${r.id}`,
        onclick: async () => {
          try { await call(`/_mock/faults/${r.id}`, { method: 'DELETE' }); await pulse(); } catch (e) { toast(errorText(e), 'error'); }
        },
      }, '×')))));
    $('#faults-empty').hidden = faults.length > 0;
    $('#faults-clear').hidden = faults.length === 0;
  }
  $('#faults-clear').addEventListener('click', async () => {
    try { await call('/_mock/faults', { method: 'DELETE' }); await pulse(); } catch (e) { toast(errorText(e), 'error'); }
  });

  // ------------------------------------------------------------------ pulse

  /** Read the clock, the fault rules and the data version; answers the error, if any. */
  async function pulse() {
    let p;
    try { p = await call('/_mock/ui/pulse'); } catch (e) { return e; }
    showClock(p.clock);
    renderFaults(p.faults);
    if (ui.version !== null && p.version !== ui.version) {
      ui.version = p.version;
      await refreshTenants();
    }
    ui.version = p.version;
  }

  let started = false;
  async function start() {
    if (started) return;
    // Both at once (the page shows its data one round trip sooner); with a control token and no
    // cookie yet, both answer 401 and the page asks for the token, then starts again.
    const [failed] = await Promise.all([pulse(), refreshTenants()]);
    if (failed && failed.status === 401) return;
    started = true;
    connect();
    setInterval(() => { if (!document.hidden) pulse(); }, PULSE_MS);
    performance.mark('membermock-ready');
    document.body.dataset.ready = 'true';
  }

  start();
})();
