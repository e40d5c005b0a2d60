// What the secretariat's scripts share: the JSON calls with the CSRF token, messages.
const csrf = JSON.parse(document.querySelector("#editor-config, #page-config").textContent).csrf;

export function text(texts, key, fields = {}) {
  return (texts[key] ?? key).replace(/\{([a-z_]+)\}/g, (whole, name) => (name in fields ? String(fields[name]) : whole));
}

export function say(region, message) {
  region.textContent = message;
}

// fetch with the session's CSRF token; {ok, status, data, message}, never a thrown error.
export async function api(method, url, body) {
  const headers = { "X-CSRF-Token": csrf, Accept: "application/json" };
  const init = { method, headers, credentials: "same-origin" };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    return { ok: false, status: 0, data: null, message: String(error) };
  }
  const data = await response.json().catch(() => null);
  const message = data?.error?.message ?? data?.detail ?? response.statusText;
  return { ok: response.ok, status: response.status, data, message: String(message) };
}
