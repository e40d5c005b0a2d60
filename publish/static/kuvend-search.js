// Kuvend static search: the site's results page searches the assemblies' index files in the
// browser, for a copy of the site on a web host without Kuvend's server. The index is split
// (publish/static_search.py): a first query reads each assembly's meta.json, the term files
// its words start with, and the text files of the hits it shows, never the whole index.
// Folding is the server's (kuvend/text.py fold_for_search): Cyrillic to Latin, lower case,
// đ to dj, accents removed; the index files hold terms already folded.
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
  // Hits drawn at once; a button adds as many again.
  var SHOWN = 20;
  // A word this long also finds the words it begins (budzet finds budzetu), as the server's
  // stems do; shorter words only themselves (rad, plan).
  var IMPLICIT_PREFIX = 4;
  // The form of another page sent its language: show the results page in it.
  // The site index in Cyrillic sends sr-Cyrl: the Serbian results page.
  if (lang && /^(sq|sr|en)(-Cyrl)?$/.test(lang) && lang.slice(0, 2) !== pageLang) {
    window.location.replace("index." + lang.slice(0, 2) + ".html" + window.location.search);
    return;
  }
  var input = document.getElementById("search-q");
  input.value = query;
  if (!query) { return; }

  var CYRILLIC = { "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ђ": "dj", "е": "e", "ж": "z",
    "з": "z", "и": "i", "ј": "j", "к": "k", "л": "l", "љ": "lj", "м": "m", "н": "n", "њ": "nj",
    "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "ћ": "c", "у": "u", "ф": "f", "х": "h",
    "ц": "c", "ч": "c", "џ": "dz", "ш": "s" };
  function fold(text) {
    var lower = text.normalize("NFC").toLowerCase().replace(/[\u00ad\u200b-\u200d\u2060\ufeff]/g, "");
    var latin = lower.replace(/[\u0400-\u04ff]/g, function (c) { return CYRILLIC[c] !== undefined ? CYRILLIC[c] : c; });
    return latin.replace(/đ/g, "dj").normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  }
  function words(text) { return fold(text).match(/[\p{L}\p{N}_]+/gu) || []; }
  function hex(text) {
    return Array.prototype.map.call(new TextEncoder().encode(text), function (b) {
      return (b < 16 ? "0" : "") + b.toString(16);
    }).join("");
  }
  function getJson(url) {
    return fetch(url).then(function (response) {
      if (!response.ok) { throw new Error(response.status + " " + url); }
      return response.json();
    });
  }

  // The query: words (all must match), -words (none may), word* (a prefix). Quotes group
  // words but a phrase is searched as its words.
  var terms = [], excluded = [];
  query.replace(/"/g, " ").split(/\s+/).forEach(function (token) {
    var negated = token.charAt(0) === "-";
    var body = negated ? token.slice(1) : token;
    var prefix = /\*$/.test(body);
    words(body).forEach(function (word, i, all) {
      var term = { word: word, prefix: (prefix && i === all.length - 1) || word.length >= IMPLICIT_PREFIX,
        typed: !(prefix && i === all.length - 1) };
      (negated ? excluded : terms).push(term);
    });
  });
  if (!terms.length) { heading.textContent = root.getAttribute("data-none").replace("{query}", query); return; }

  heading.textContent = root.getAttribute("data-loading");
  // User Timing marks: bench/static_search.py reads how long the first hit took.
  performance.mark("kuvend-search-start");
  var links = Array.prototype.slice.call(root.querySelectorAll(".search-indexes a"));
  Promise.all(links.map(function (link) {
    var base = link.getAttribute("href");
    return getJson(base + "meta.json").then(function (meta) {
      return searchAssembly({ slug: link.getAttribute("data-slug"), base: base, meta: meta });
    });
  })).then(show).catch(function (error) {
    heading.textContent = root.getAttribute("data-unavailable");
    console.error(error);
  });

  // The shard files a term needs: the one holding the word, and for a prefix every shard
  // whose key begins with it.
  function shardKeys(keys, term) {
    var holding = null;
    var found = keys.filter(function (key) {
      if (term.word.indexOf(key) === 0 && (holding === null || key.length > holding.length)) { holding = key; }
      return term.prefix && key.indexOf(term.word) === 0 && key !== term.word;
    });
    if (holding !== null) { found.push(holding); }
    return found;
  }

  // Segment numbers holding a term: exact (the word as typed) and all (with its prefix).
  function postings(shards, term) {
    var exact = new Set(), all = new Set();
    shards.forEach(function (shard) {
      Object.keys(shard).forEach(function (word) {
        var isWord = word === term.word;
        if (!isWord && !(term.prefix && word.indexOf(term.word) === 0)) { return; }
        var number = 0;
        shard[word].forEach(function (delta) {
          number += delta;
          all.add(number);
          if (isWord) { exact.add(number); }
        });
      });
    });
    return { exact: exact, all: all };
  }

  function searchAssembly(index) {
    var everyTerm = terms.concat(excluded);
    var needed = {};
    everyTerm.forEach(function (term) {
      shardKeys(index.meta.keys, term).forEach(function (key) { needed[key] = true; });
    });
    var keys = Object.keys(needed);
    return Promise.all(keys.map(function (key) {
      return getJson(index.base + "terms/" + hex(key) + ".json");
    })).then(function (files) {
      var shards = everyTerm.map(function (term) {
        return postings(files.filter(function (_, i) {
          return shardKeys(index.meta.keys, term).indexOf(keys[i]) >= 0;
        }), term);
      });
      var found = terms.map(function (_, i) { return shards[i]; });
      var without = excluded.map(function (_, i) { return shards[terms.length + i].exact; });
      // Smallest set first: the intersection walks it once.
      var order = found.slice().sort(function (a, b) { return a.all.size - b.all.size; });
      var hits = [];
      order[0].all.forEach(function (number) {
        if (!order.every(function (set) { return set.all.has(number); })) { return; }
        if (without.some(function (set) { return set.has(number); })) { return; }
        var typed = found.every(function (set, i) { return !terms[i].typed || set.exact.has(number); });
        hits.push({ index: index, number: number, typed: typed });
      });
      return hits;
    });
  }

  function sessionOf(meta, number) {
    var sessions = meta.sessions, low = 0, high = sessions.length - 1;
    while (low < high) {
      var middle = (low + high + 1) >> 1;
      if (sessions[middle][3] <= number) { low = middle; } else { high = middle - 1; }
    }
    return sessions[low];
  }

  function show(perAssembly) {
    var hits = [].concat.apply([], perAssembly);
    hits.forEach(function (hit) { hit.date = sessionOf(hit.index.meta, hit.number)[2]; });
    // The words as typed first, then the newest session, then the order of the minutes.
    hits.sort(function (a, b) {
      if (a.typed !== b.typed) { return a.typed ? -1 : 1; }
      if (a.date !== b.date) { return a.date < b.date ? 1 : -1; }
      return a.number - b.number;
    });
    // "1 rezultat", "21 rezultat" in Serbian: the language's own rule for "one".
    var one = new Intl.PluralRules(pageLang).select(hits.length) === "one";
    heading.textContent = hits.length
      ? root.getAttribute(one ? "data-results-one" : "data-results").replace("{count}", hits.length)
      : root.getAttribute("data-none").replace("{query}", query);
    var more = root.querySelector(".more");
    var drawn = 0;
    var chunks = {};
    function textOf(hit) {
      var url = hit.index.base + "texts/" + Math.floor(hit.number / hit.index.meta.text_chunk) + ".json";
      if (!chunks[url]) { chunks[url] = getJson(url); }
      return chunks[url].then(function (rows) { return rows[hit.number % hit.index.meta.text_chunk]; });
    }
    // Each hit is drawn as soon as its text and those of the hits before it have arrived.
    function drawNext() {
      var batch = hits.slice(drawn, drawn + SHOWN);
      drawn += batch.length;
      more.hidden = true;
      // The first hit's text is asked for alone: on a slow phone the other texts' parsing
      // would otherwise come before it.
      var first = batch.length ? textOf(batch[0]) : Promise.resolve();
      var texts = first.then(function () { return batch.map(textOf); });
      return batch.map(function (_, i) {
        return texts.then(function (all) { return all[i]; });
      }).reduce(function (previous, text, i) {
        return previous.then(function () {
          return text.then(function (row) {
            list.appendChild(render(batch[i].index, row));
            if (drawn === batch.length && i === 0) { performance.mark("kuvend-first-hit"); }
          });
        });
      }, Promise.resolve()).then(function () {
        more.hidden = drawn >= hits.length;
      }).catch(function (error) {
        heading.textContent = root.getAttribute("data-unavailable");
        console.error(error);
      });
    }
    more.addEventListener("click", drawNext);
    drawNext();
  }

  function render(index, row) {
    var meta = index.meta, session = meta.sessions[row[0]], speaker = meta.speakers[row[2]];
    var href = "../" + index.slug + "/" + session[0] + "/index." + pageLang + ".html#t=" + row[1].toFixed(1);
    var item = document.createElement("li");
    item.className = "hit";
    var title = item.appendChild(document.createElement("h3"));
    title.className = "hit-title";
    var link = title.appendChild(document.createElement("a"));
    link.href = href;
    link.textContent = session[1];
    var info = item.appendChild(document.createElement("p"));
    info.className = "muted";
    var clock = new Date(row[1] * 1000).toISOString().slice(11, 19);
    info.textContent = session[2] + " · " + clock + (speaker ? " · " + speaker[0] + (speaker[1] ? " (" + speaker[1] + ")" : "") : "");
    var snippet = item.appendChild(document.createElement("p"));
    snippet.className = "hit-snippet";
    snippet.lang = row[3];
    row[4].split(/([\p{L}\p{N}_]+)/u).forEach(function (part) {
      var f = fold(part);
      var match = f && terms.some(function (term) { return f === term.word || (term.prefix && f.indexOf(term.word) === 0); });
      var node = match ? document.createElement("mark") : document.createTextNode(part);
      if (match) { node.textContent = part; }
      snippet.appendChild(node);
    });
    return item;
  }
})();
