// Kuvend session page: the transcript follows the recording, a line seeks the recording,
// and #t=SECONDS links to a moment. Works without this file too (plain links and text).
(function () {
  "use strict";
  var player = document.getElementById("player");
  var lines = Array.prototype.slice.call(document.querySelectorAll(".line"));
  var follow = document.getElementById("follow-playback");
  if (!player || lines.length === 0) { return; }
  var starts = lines.map(function (line) { return parseFloat(line.getAttribute("data-start")); });
  var current = null;

  // The last line that starts at or before t (binary search over sorted starts).
  function lineAt(t) {
    var low = 0, high = starts.length - 1, found = -1;
    while (low <= high) {
      var mid = (low + high) >> 1;
      if (starts[mid] <= t + 0.05) { found = mid; low = mid + 1; } else { high = mid - 1; }
    }
    return found < 0 ? null : lines[found];
  }

  function highlight() {
    var line = lineAt(player.currentTime);
    if (line === current) { return; }
    if (current) { current.classList.remove("current"); current.removeAttribute("aria-current"); }
    current = line;
    if (!line) { return; }
    line.classList.add("current");
    line.setAttribute("aria-current", "true");
    if (follow && follow.checked && !player.paused) {
      var box = line.getBoundingClientRect();
      if (box.top < 0 || box.bottom > window.innerHeight) { line.scrollIntoView({ block: "center" }); }
    }
  }

  function seek(seconds, play) {
    if (!isFinite(seconds)) { return; }
    player.currentTime = seconds;
    highlight();
    if (play) { player.play().catch(function () { /* autoplay refused: the user presses play */ }); }
  }

  function secondsFromHash() {
    var match = /^#t=([0-9]+(?:\.[0-9]+)?)$/.exec(window.location.hash);
    return match ? parseFloat(match[1]) : null;
  }

  player.addEventListener("timeupdate", highlight);
  player.addEventListener("seeked", highlight);

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) { return; }
    var link = target.closest("a[href^='#t=']");
    var line = target.closest(".line");
    if (link) {
      // Keep the moment in the address bar (a link to share) without jumping the page.
      event.preventDefault();
      history.replaceState(null, "", link.getAttribute("href"));
      seek(parseFloat(link.getAttribute("href").slice(3)), true);
    } else if (line && String(window.getSelection() || "") === "") {
      seek(parseFloat(line.getAttribute("data-start")), true);
    }
  });

  window.addEventListener("hashchange", function () {
    var seconds = secondsFromHash();
    if (seconds !== null) { seek(seconds, false); }
  });

  var initial = secondsFromHash();
  if (initial !== null) {
    if (player.readyState >= 1) { seek(initial, false); }
    else { player.addEventListener("loadedmetadata", function () { seek(initial, false); }, { once: true }); }
    var target = lineAt(initial);
    if (target) { target.scrollIntoView({ block: "center" }); }
  }
})();
