// Talks to the gateway: JSON calls with the session's CSRF token, and the live event stream.
let csrf = '';

export class ApiFailure extends Error {
  constructor(status, body) {
    super(body.message || `HTTP ${status}`);
    this.status = status;
    this.code = body.error;
    this.body = body;
  }
}

export function setCsrf(token) {
  csrf = token || '';
}

export async function getJson(path) {
  const res = await fetch(path, { credentials: 'same-origin' });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiFailure(res.status, body);
  return body;
}

export function csrfToken() {
  return csrf;
}

export async function postJson(path, data, method = 'POST') {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
    body: JSON.stringify(data),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiFailure(res.status, body);
  return body;
}

/**
 * The live stream. EventSource reconnects by itself and sends Last-Event-ID; when the server
 * refused it outright (logged out, gateway restarted) we open a new one from the last seq seen.
 */
export function openStream(startSeq, onEvent, onStatus, onLoggedOut) {
  let lastSeq = startSeq;
  let source;
  let closed = false;
  function connect() {
    source = new EventSource(`/panel/api/stream${lastSeq ? `?after=${lastSeq}` : ''}`);
    source.onopen = () => onStatus(true);
    source.onerror = () => {
      onStatus(false);
      if (source.readyState === EventSource.CLOSED && !closed) setTimeout(reconnect, 2000);
    };
    source.addEventListener('decided', (msg) => {
      const event = JSON.parse(msg.data);
      lastSeq = Math.max(lastSeq, event.seq);
      onEvent(event);
    });
  }
  // a refused stream is usually a lost session (gateway restarted): let the page show the login
  async function reconnect() {
    if (closed) return;
    try {
      await getJson('/panel/api/session');
      connect();
    } catch (err) {
      if (err instanceof ApiFailure && err.status === 401) onLoggedOut(err);
      else setTimeout(reconnect, 2000);
    }
  }
  connect();
  return {
    close() {
      closed = true;
      source.close();
    },
  };
}
