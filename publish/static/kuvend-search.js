// Kuvend static search: the site's results page searches the assemblies' index files in the
// browser (MiniSearch), for a copy of the site on a web host without Kuvend's server.
// Folding is the server's (kuvend/text.py fold_for_search): Cyrillic to Latin, lower case,
// đ to dj, accents removed; index files hold segments already folded.
(function () {
  "use strict";
  var root = document.getElementById("static-search");
  if (!root) { return; }
  var heading = document.getElementById("results-heading");
  var list = root.querySelector(".hits");
  var params = new URLSearchParams(window.location.search);
  var query = (params.get("q") || "").trim();
  var lang = params.get("lang");
  var pageLang = root.getAttribute("data-lang");
  // The form of another page sent its language: show the results page in it.
  if (lang && lang !== pageLang && /^(sq|sr|en)$/.test(lang)) {
    window.location.replace("index." + lang + ".html" + window.location.search);
    return;
  }
  var input = document.getElementById("search-q");
  input.value = query;
  if (!query) { return; }
  if (typeof MiniSearch === "undefined") { heading.textContent = root.getAttribute("data-unavailable"); return; }

  var CYRILLIC = { "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ђ": "dj", "е": "e", "ж": "z",
    "з": "z", "и": "i", "ј": "j", "к": "k", "л": "l", "љ": "lj", "м": "m", "н": "n", "њ": "nj",
    "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "ћ": "c", "у": "u", "ф": "f", "х": "h",
    "ц": "c", "ч": "c", "џ": "dz", "ш": "s" };
  function fold(text) {
    var lower = text.normalize("NFC").toLowerCase().replace(/[\u00ad\u200b-\u200d\u2060\ufeff]/g, "");
    var latin = lower.replace(/[\u0400-\u04ff]/g, function (c) { return CYRILLIC[c] !== undefined ? CYRILLIC[c] : c; });
    return latin.replace(/đ/g, "dj").normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  }
  function words(text) { return fold(text).match(/[\p{L}\p{N}]+/gu) || []; }

  heading.textContent = root.getAttribute("data-loading");
  var links = Array.prototype.slice.call(root.querySelectorAll(".search-indexes a"));
  Promise.all(links.map(function (link) {
    return fetch(link.getAttribute("href")).then(function (response) {
      if (!response.ok) { throw new Error(response.status + " " + link.getAttribute("href")); }
      return response.json();
    }).then(function (index) { return { slug: link.getAttribute("data-slug"), index: index }; });
  })).then(show).catch(function (error) {
    heading.textContent = root.getAttribute("data-unavailable");
    console.error(error);
  });

  function show(indexes) {
    var docs = [];
    indexes.forEach(function (entry) {
      entry.index.segments.forEach(function (row) {
        docs.push({ id: docs.length, slug: entry.slug, index: entry.index, row: row, f: row[5] });
      });
    });
    var search = new MiniSearch({
      fields: ["f"], storeFields: [],
      tokenize: function (text) { return text.match(/[\p{L}\p{N}]+/gu) || []; },
      processTerm: function (term) { return term; }
    });
    search.addAll(docs);
    var excluded = [], terms = [];
    query.split(/\s+/).forEach(function (token) {
      var negated = token.charAt(0) === "-";
      var folded = words(negated ? token.slice(1) : token);
      (negated ? excluded : terms).push.apply(negated ? excluded : terms, folded);
    });
    var found = terms.length ? search.search(terms.join(" "), {
      combineWith: "AND",
      // A word also finds its inflected forms (budzet finds budzetu); exact forms score higher.
      prefix: function (term) { return term.length >= 4; },
      processTerm: function (term) { return term; }
    }) : [];
    found = found.filter(function (hit) {
      var own = docs[hit.id].f.split(/[^\p{L}\p{N}]+/u);
      return !excluded.some(function (word) { return own.indexOf(word) >= 0; });
    });
    heading.textContent = found.length
      ? root.getAttribute("data-results").replace("{count}", found.length)
      : root.getAttribute("data-none").replace("{query}", query);
    found.slice(0, 50).forEach(function (hit) { list.appendChild(render(docs[hit.id], terms)); });
  }

  function render(doc, terms) {
    var row = doc.row, session = doc.index.sessions[row[0]], speaker = doc.index.speakers[row[2]];
    var href = "../" + doc.slug + "/" + session[0] + "/index." + pageLang + ".html#t=" + row[1].toFixed(1);
    var item = document.createElement("li");
    item.className = "hit";
    var title = item.appendChild(document.createElement("h3"));
    title.className = "hit-title";
    var link = title.appendChild(document.createElement("a"));
    link.href = href;
    link.textContent = session[1];
    var meta = item.appendChild(document.createElement("p"));
    meta.className = "muted";
    var clock = new Date(row[1] * 1000).toISOString().slice(11, 19);
    meta.textContent = session[2] + " · " + clock + (speaker ? " · " + speaker[0] + (speaker[1] ? " (" + speaker[1] + ")" : "") : "");
    var snippet = item.appendChild(document.createElement("p"));
    snippet.className = "hit-snippet";
    snippet.lang = row[3];
    row[4].split(/([\p{L}\p{N}]+)/u).forEach(function (part) {
      var f = fold(part);
      var match = f && terms.some(function (term) { return f === term || (term.length >= 4 && f.indexOf(term) === 0); });
      var node = match ? document.createElement("mark") : document.createTextNode(part);
      if (match) { node.textContent = part; }
      snippet.appendChild(node);
    });
    return item;
  }
})();
