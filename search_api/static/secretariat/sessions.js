// The session list: uploads with a progress bar, recording controls, live processing progress.
import { api, say, text } from "./common.js";

const config = JSON.parse(document.getElementById("page-config").textContent);
const t = (key, fields) => text(config.texts, key, fields);
const status = document.getElementById("list-status");
const table = document.querySelector("table.sessions");
const WORKING = new Set(["recording", "stopping", "queued", "processing"]);

function upload(form) {
  // XMLHttpRequest, not fetch: only it reports the upload's progress.
  const bar = form.querySelector(".upload-progress");
  const request = new XMLHttpRequest();
  request.open("POST", form.action);
  request.setRequestHeader("X-CSRF-Token", config.csrf);
  request.upload.addEventListener("progress", (event) => {
    if (event.lengthComputable) bar.value = Math.round((100 * event.loaded) / event.total);
  });
  request.addEventListener("load", () => {
    if (request.status < 300) {
      say(status, t("upload_done"));
      setTimeout(() => location.reload(), 800);
    } else {
      const reason = JSON.parse(request.responseText || "{}")?.error?.message ?? request.statusText;
      say(status, t("upload_failed", { reason }));
    }
  });
  request.addEventListener("error", () => say(status, t("upload_failed", { reason: "network" })));
  bar.hidden = false;
  say(status, t("uploading"));
  request.send(new FormData(form));
}

table.addEventListener("submit", async (event) => {
  const form = event.target;
  event.preventDefault();
  if (form.classList.contains("upload")) return upload(form);
  const url = form.elements.stream_url?.value;
  const answer = await api("POST", form.action, url === undefined ? undefined : { stream_url: url });
  say(status, answer.ok ? t("action_done") : answer.message);
  if (answer.ok) setTimeout(() => location.reload(), 800);
});

async function refresh() {
  const answer = await api("GET", "/secretariat/api/progress");
  if (!answer.ok) return;
  let working = false;
  for (const item of answer.data.sessions) {
    const row = table.querySelector(`tr[data-session-id="${CSS.escape(item.id)}"]`);
    if (!row) continue;
    if (row.dataset.status !== item.status) {
      row.dataset.status = item.status;
      row.querySelector(".state").textContent = t(`status_${item.status}`);
    }
    const bar = row.querySelector("progress.processing");
    bar.max = Math.max(1, item.count);
    bar.value = item.done;
    row.querySelector(".count").textContent = `${item.done}/${item.count}`;
    working ||= WORKING.has(item.status);
  }
  if (working) setTimeout(refresh, 3000);
}
if (Array.from(table.querySelectorAll("tr[data-status]")).some((row) => WORKING.has(row.dataset.status))) {
  setTimeout(refresh, 3000);
}
