// The review editor: saves without a reload, follows the player, keyboard first.
// One listener per kind of event on the transcript (event delegation), none per line, so
// that a three-hour session's thousands of lines cost nothing to wire up. The lines come in
// parts (lists of editor_view.LINES_PER_PART lines) that the browser renders only on screen.
import { api, say, text } from "./common.js";

const config = JSON.parse(document.getElementById("editor-config").textContent);
const base = `/secretariat/api/sessions/${config.session}`;
const t = (key, fields) => text(config.texts, key, fields);
const transcript = document.getElementById("transcript");
const player = document.getElementById("player");
const status = document.getElementById("status");
const alertBox = document.getElementById("alert");
const reviewCount = document.getElementById("review-count");
const RATES = [0.5, 0.75, 1, 1.25, 1.5, 2];

let current = null; // the line the reviewer is in (or last was)
let playing = null; // the line being played
let starts = []; // [start, line] in time order, for finding the line being played
const pending = new WeakMap(); // line -> the save in flight

const allLines = transcript.getElementsByClassName("seg"); // live, in document order

function lines() {
  return allLines;
}
// The line before or after (step -1 or 1), across parts; null at either end.
function neighbour(line, step) {
  const next = step > 0 ? "nextElementSibling" : "previousElementSibling";
  if (line[next]) return line[next];
  let part = line.parentElement[next];
  while (part && !part.children.length) part = part[next];
  return part ? (step > 0 ? part.firstElementChild : part.lastElementChild) : null;
}
function index() {
  starts = Array.from(lines(), (line) => [Number(line.dataset.start), line]);
}
function lineOf(node) {
  return node instanceof Element ? node.closest("li.seg") : node?.parentElement?.closest("li.seg");
}
function field(line) {
  return line.querySelector(".text");
}
function typed(line) {
  return field(line).textContent.replace(/\s+/g, " ").trim();
}
function updateCount() {
  reviewCount.textContent = t("left_to_review", { count: transcript.querySelectorAll(".seg.review").length });
}
function showError(message) {
  alertBox.textContent = message;
}
function done(message) {
  alertBox.textContent = "";
  say(status, message);
}

// -- the player ------------------------------------------------------------------------------

function seek(seconds) {
  if (!Number.isFinite(seconds)) return;
  player.currentTime = seconds;
}
function setRate(rate) {
  player.playbackRate = rate;
  document.getElementById("speed").value = String(rate);
}
function stepRate(direction) {
  const at = RATES.indexOf(player.playbackRate);
  const next = RATES[Math.min(RATES.length - 1, Math.max(0, (at < 0 ? 2 : at) + direction))];
  setRate(next);
}
function togglePlay() {
  if (player.paused) player.play().catch(() => {});
  else player.pause();
}
function follow() {
  const now = player.currentTime;
  let low = 0;
  let high = starts.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (starts[mid][0] <= now) {
      found = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  const line = found >= 0 ? starts[found][1] : null;
  if (line === playing) return;
  playing?.classList.remove("current");
  playing?.removeAttribute("aria-current");
  playing = line;
  if (!line) return;
  line.classList.add("current");
  line.setAttribute("aria-current", "true");
  const editing = transcript.contains(document.activeElement);
  if (document.getElementById("follow").checked && !editing) {
    line.scrollIntoView({ block: "center", behavior: "smooth" });
  }
}
player.addEventListener("timeupdate", follow);
player.addEventListener("seeked", follow);
document.getElementById("speed").addEventListener("change", (event) => setRate(Number(event.target.value)));

// -- saving ----------------------------------------------------------------------------------

function replaceLines(old, html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  const fresh = Array.from(template.content.children);
  old[0].before(...fresh);
  for (const line of old) if (line.isConnected && !fresh.includes(line)) line.remove();
  index();
  updateCount();
  return fresh;
}

function focusEnd(line) {
  const box = field(line);
  box.focus();
  const range = document.createRange();
  range.selectNodeContents(box);
  range.collapse(false);
  const selection = getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

async function save(line) {
  if (!line?.isConnected || pending.has(line)) return pending.get(line);
  const value = typed(line);
  // A line never focused was never edited: nothing to save (no empty revision).
  if (line.dataset.saved === undefined || value === line.dataset.saved) return line;
  // The server refuses an empty text too (422); saying so here keeps the message translated.
  if (!value.trim()) {
    line.classList.add("conflict");
    showError(t("text_empty"));
    return line;
  }
  const work = (async () => {
    line.classList.add("saving");
    say(status, t("saving"));
    const id = line.dataset.segmentId;
    const answer = await api("POST", `${base}/segments/${id}/text`, { text: value, version: Number(line.dataset.version) });
    line.classList.remove("saving");
    if (!answer.ok) {
      line.classList.add("conflict");
      showError(answer.status === 409 ? answer.message : t("save_failed", { reason: answer.message }));
      return line;
    }
    if (typed(line) !== value) {
      // Typed on while saving: keep the new typing, take the new version.
      line.dataset.version = new DOMParser().parseFromString(answer.data.html, "text/html").querySelector("li").dataset.version;
      line.dataset.saved = value;
      line.classList.remove("review", "conflict");
      updateCount();
      return line;
    }
    // The same line, updated in place (its words re-timed by the server): cheaper for the
    // page than a new element, and the focus stays where it is.
    const template = document.createElement("template");
    template.innerHTML = answer.data.html;
    const fresh = template.content.firstElementChild;
    line.dataset.version = fresh.dataset.version;
    line.className = fresh.className;
    if (document.activeElement !== field(line)) field(line).replaceWith(field(fresh));
    line.dataset.saved = typed(line);
    updateCount();
    done(t("saved"));
    return line;
  })();
  pending.set(line, work);
  try {
    return await work;
  } finally {
    pending.delete(line);
  }
}

transcript.addEventListener("focusin", (event) => {
  const line = lineOf(event.target);
  if (!line) return;
  current = line;
  if (line.dataset.saved === undefined) line.dataset.saved = typed(line);
});
transcript.addEventListener("focusout", (event) => {
  const line = lineOf(event.target);
  if (line && event.target.classList.contains("text")) save(line);
});
transcript.addEventListener("click", (event) => {
  const time = event.target.closest("a.time");
  if (time) {
    event.preventDefault();
    seek(Number(lineOf(time).dataset.start));
    field(lineOf(time)).focus();
    return;
  }
  const word = event.target.closest(".w");
  if (word) seek(Number(word.dataset.t));
});
transcript.addEventListener("paste", (event) => {
  // Plain text only, on one line: minutes have no markup.
  event.preventDefault();
  const plain = (event.clipboardData?.getData("text/plain") || "").replace(/\s+/g, " ");
  document.execCommand("insertText", false, plain);
});

// -- split and merge -------------------------------------------------------------------------

function cursorTime(line) {
  // The start of the word the cursor is in (or the next word's, at a word's end).
  const selection = getSelection();
  if (!selection.rangeCount || !field(line).contains(selection.anchorNode)) return null;
  const node = selection.anchorNode;
  const word = node.nodeType === Node.TEXT_NODE ? node.parentElement.closest(".w") : node.closest?.(".w");
  if (word && word.closest(".text") === field(line)) {
    const atEnd = selection.anchorOffset >= (word.textContent || "").length && node.nodeType === Node.TEXT_NODE;
    const next = atEnd ? word.nextElementSibling : word;
    if (next) return Number(next.dataset.t);
  }
  // No word timings: the same fraction of the time as of the text.
  const range = document.createRange();
  range.selectNodeContents(field(line));
  range.setEnd(selection.anchorNode, selection.anchorOffset);
  const fraction = range.toString().length / Math.max(1, field(line).textContent.length);
  const start = Number(line.dataset.start);
  return start + fraction * (Number(line.dataset.end) - start);
}

async function split(line) {
  if (!line) return say(status, t("no_segment"));
  const at = cursorTime(line);
  if (at === null) return say(status, t("no_segment"));
  line = (await save(line)) || line;
  const id = line.dataset.segmentId;
  const answer = await api("POST", `${base}/segments/${id}/split`, { at_s: at, version: Number(line.dataset.version) });
  if (!answer.ok) return showError(answer.message);
  const fresh = replaceLines([line], answer.data.html);
  if (fresh[1]) field(fresh[1]).focus();
  done(t("split_done"));
}

async function merge(line) {
  if (!line) return say(status, t("no_segment"));
  const previous = neighbour(line, -1);
  if (!previous) return say(status, t("no_previous"));
  line = (await save(line)) || line;
  const first = (await save(previous)) || previous;
  const answer = await api("POST", `${base}/merge`, {
    first_id: first.dataset.segmentId,
    second_id: line.dataset.segmentId,
    first_version: Number(first.dataset.version),
    second_version: Number(line.dataset.version),
  });
  if (!answer.ok) return showError(answer.message);
  const [merged] = replaceLines([first, line], answer.data.html);
  focusEnd(merged);
  current = merged;
  done(t("merged"));
}

// -- moving around ---------------------------------------------------------------------------

function move(direction) {
  const from = current || playing || lines()[0];
  let line = from ? neighbour(from, direction) : null;
  const onlyReview = transcript.classList.contains("only-review");
  while (line && onlyReview && !line.classList.contains("review")) line = neighbour(line, direction);
  if (!line) return;
  focusEnd(line);
  seek(Number(line.dataset.start));
}

function nextDoubt() {
  const doubts = Array.from(transcript.querySelectorAll(".w.low"));
  const from = current;
  const next =
    doubts.find((word) => from && (from.compareDocumentPosition(word) & Node.DOCUMENT_POSITION_FOLLOWING) && !from.contains(word)) ||
    doubts[0];
  if (!next) return;
  transcript.querySelector(".w.at")?.classList.remove("at");
  next.classList.add("at");
  const line = lineOf(next);
  field(line).focus();
  const range = document.createRange();
  range.selectNodeContents(next);
  getSelection().removeAllRanges();
  getSelection().addRange(range);
  seek(Number(next.dataset.t));
}

const COMMANDS = {
  play: togglePlay,
  back: () => seek(Math.max(0, player.currentTime - 5)),
  doubt: nextDoubt,
  history: showHistory,
};
document.addEventListener("click", (event) => {
  const command = event.target.closest("[data-command]")?.dataset.command;
  if (command) COMMANDS[command]();
});

document.addEventListener("keydown", (event) => {
  const inLine = lineOf(event.target);
  if (event.key === "Enter" && inLine && !event.altKey) {
    event.preventDefault(); // a segment is one paragraph: Enter saves and goes on
    save(inLine).then(() => move(1));
    return;
  }
  if ((event.ctrlKey || event.metaKey) && event.code === "KeyS") {
    event.preventDefault();
    save(inLine || current);
    return;
  }
  if (!event.altKey || event.ctrlKey || event.metaKey) return;
  const actions = {
    KeyK: togglePlay,
    KeyJ: COMMANDS.back,
    Comma: () => stepRate(-1),
    Period: () => stepRate(1),
    ArrowDown: () => move(1),
    ArrowUp: () => move(-1),
    KeyN: nextDoubt,
    KeyE: () => (playing || current) && focusEnd(playing || current),
    KeyS: () => split(inLine || current),
    KeyM: () => merge(inLine || current),
  };
  const action = actions[event.code];
  if (action) {
    event.preventDefault();
    action();
  }
});

document.getElementById("only-review").addEventListener("change", (event) => {
  transcript.classList.toggle("only-review", event.target.checked);
});

// -- speakers, turns, agenda -----------------------------------------------------------------

document.querySelector(".speakers").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const label = form.dataset.label;
  const name = form.elements.name.value.trim();
  if (!name) return;
  const answer = await api("PUT", `${base}/speakers/${encodeURIComponent(label)}`, { name });
  if (!answer.ok) return showError(answer.message);
  for (const who of transcript.querySelectorAll(`.who[data-label="${CSS.escape(label)}"]`)) {
    who.textContent = answer.data.name;
  }
  if (answer.data.created) {
    const option = document.createElement("option");
    option.value = answer.data.name;
    document.getElementById("members").append(option);
  }
  form.querySelector("button.enrol").hidden = false; // named as a member: the voice can be enrolled
  done(t("renamed", { name: answer.data.name }));
});

// "Enrol this voice": the speaker's voice in this session becomes the member's voiceprint.
document.querySelector(".speakers").addEventListener("click", async (event) => {
  const button = event.target.closest("button.enrol");
  if (!button) return;
  button.disabled = true;
  const answer = await api("POST", `${base}/speakers/${encodeURIComponent(button.dataset.label)}/voice`);
  button.disabled = false;
  if (!answer.ok) return showError(t("enrol_failed", { reason: answer.message }));
  done(answer.data.message);
});

document.querySelector("form.turn").addEventListener("submit", async (event) => {
  event.preventDefault();
  const line = current || playing;
  if (!line) return say(status, t("no_segment"));
  const name = event.target.elements.name.value.trim();
  const saved = (await save(line)) || line;
  const body = { name, version: Number(saved.dataset.version) };
  const answer = await api("POST", `${base}/segments/${saved.dataset.segmentId}/turn`, body);
  if (!answer.ok) return showError(answer.message);
  const old = answer.data.ids.map((id) => transcript.querySelector(`[data-segment-id="${CSS.escape(id)}"]`)).filter(Boolean);
  if (old.length) replaceLines(old, answer.data.html);
  done(t("turn_given", { name }));
});

const agenda = document.getElementById("agenda");

function agendaItems() {
  return Array.from(agenda.children, (item) => ({ start: Number(item.dataset.start), title: item.dataset.title }));
}

// Saves the whole agenda (one revision) and shows it as the server sorted it.
async function saveAgenda(items, message) {
  const answer = await api("PUT", `${base}/agenda`, { items });
  if (!answer.ok) {
    showError(answer.message);
    return false;
  }
  agenda.replaceChildren(
    ...answer.data.items.map((item) => {
      const entry = document.createElement("li");
      entry.dataset.start = item.start;
      entry.dataset.title = item.title;
      const time = document.createElement("a");
      time.className = "time";
      time.href = `#t=${item.start}`;
      time.textContent = new Date(item.start * 1000).toISOString().slice(12, 19); // h:mm:ss, as the page
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "remove-chapter";
      remove.textContent = t("chapter_remove");
      remove.setAttribute("aria-label", t("chapter_remove_named", { title: item.title }));
      entry.append(time, ` ${item.title} `, remove);
      return entry;
    }),
  );
  done(message);
  return true;
}

document.querySelector("form.chapter").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const title = form.elements.title.value.trim();
  const items = [...agendaItems(), { start: Math.round(player.currentTime * 1000) / 1000, title }];
  if (await saveAgenda(items, t("chapter_added"))) form.reset();
});
agenda.addEventListener("click", async (event) => {
  const remove = event.target.closest("button.remove-chapter");
  if (remove) {
    const gone = remove.parentElement;
    const items = agendaItems().filter((_, at) => agenda.children[at] !== gone);
    if (await saveAgenda(items, t("chapter_removed"))) document.getElementById("chapter-title").focus();
    return;
  }
  const time = event.target.closest("a.time");
  if (!time) return;
  event.preventDefault();
  seek(Number(time.parentElement.dataset.start));
});

async function showHistory() {
  const list = document.getElementById("history");
  const line = current;
  if (!line) return say(status, t("no_segment"));
  const answer = await api("GET", `${base}/segments/${line.dataset.segmentId}/history`);
  if (!answer.ok) return showError(answer.message);
  const entries = answer.data.changes.map((change) => {
    const entry = document.createElement("li");
    const before = change.before ?? "";
    const after = change.after ?? "";
    entry.textContent = `${change.when} · ${change.who ?? "—"} · ${change.action}: «${before}» → «${after}»`;
    return entry;
  });
  if (!entries.length) {
    const entry = document.createElement("li");
    entry.textContent = t("history_empty");
    entries.push(entry);
  }
  list.replaceChildren(...entries);
}

// -- publishing ------------------------------------------------------------------------------

const dialog = document.getElementById("publish-dialog");
document.getElementById("publish").addEventListener("click", () => {
  const unnamed = Array.from(document.querySelectorAll(".speakers input")).filter((input) => !input.value.trim()).length;
  document.getElementById("publish-summary").textContent = t("publish_summary", {
    review: transcript.querySelectorAll(".seg.review").length,
    unnamed,
  });
  dialog.showModal();
});
document.getElementById("publish-cancel").addEventListener("click", () => dialog.close());
document.getElementById("publish-confirm").addEventListener("click", async () => {
  if (current) await save(current);
  say(status, t("publishing"));
  const answer = await api("POST", `${base}/publish`);
  dialog.close();
  if (!answer.ok) return showError(t("publish_failed", { reason: answer.message }));
  const link = document.createElement("a");
  link.href = answer.data.url;
  link.textContent = t("published_link", { version: answer.data.version });
  document.getElementById("published").replaceChildren(link);
  done(t("published_link", { version: answer.data.version }));
  link.focus();
});

index();
transcript.dataset.ready = "true";
performance.mark("kuvend-editor-ready");
