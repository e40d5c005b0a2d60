// A session's agenda and materials: attach a document, publish them ahead of the sitting.
import { api, say, text } from "./common.js";

const config = JSON.parse(document.getElementById("page-config").textContent);
const t = (key, fields) => text(config.texts, key, fields);
const status = document.getElementById("ahead-status");
const base = `/secretariat/api/sessions/${encodeURIComponent(config.session)}`;

document.querySelector("form.attach").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const title = form.elements.title.value.trim();
  const body = new FormData();
  body.append("file", form.elements.file.files[0]);
  say(status, t("uploading"));
  const answer = await api("POST", `${base}/materials?title=${encodeURIComponent(title)}`, body);
  if (!answer.ok) return say(status, t("upload_failed", { reason: answer.message }));
  say(status, t("material_attached", { title: answer.data.title }));
  setTimeout(() => location.reload(), 600);
});

document.getElementById("announce").addEventListener("click", async (event) => {
  event.target.disabled = true;
  say(status, t("publishing"));
  const answer = await api("POST", `${base}/announce`);
  event.target.disabled = false;
  if (!answer.ok) return say(status, t("publish_failed", { reason: answer.message }));
  const link = document.createElement("a");
  link.href = answer.data.url;
  link.textContent = t("announced_link");
  document.getElementById("announced").replaceChildren(link);
  for (const tag of document.querySelectorAll(".tag")) tag.textContent = t("is_public");
  say(status, t("announced", { count: answer.data.public }));
});
