/* iopcurr default theme: offline search, the "print" button and the collapsible contents.
   Plain ES5 in one file so it runs on old clinic PCs; loaded with `defer` from the site itself.
   Everything here is an enhancement: without JavaScript each page still reads and prints. */
(function () {
  "use strict";

  var NARROW = "(max-width: 40rem)";
  var MAX_RESULTS = 20;

  // ---------------------------------------------------------------- print button

  function setUpPrint() {
    var buttons = document.querySelectorAll("[data-print]");
    Array.prototype.forEach.call(buttons, function (button) {
      button.parentNode.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  // ---------------------------------------------------------------- contents on small screens

  function setUpNav() {
    var details = document.querySelector("[data-nav]");
    if (!details || !window.matchMedia) { return; }
    var query = window.matchMedia(NARROW);
    var apply = function () { details.open = !query.matches; };
    apply();
    if (query.addEventListener) { query.addEventListener("change", apply); }
    else if (query.addListener) { query.addListener(apply); }
  }

  // ---------------------------------------------------------------- search

  function loadScript(src, done, failed) {
    var script = document.createElement("script");
    script.src = src;
    script.onload = done;
    script.onerror = failed;
    document.head.appendChild(script);
  }

  function Search(box) {
    this.box = box;
    this.root = box.getAttribute("data-root") || "";
    this.scope = box.getAttribute("data-scope");  // "handout" on client pages: handouts only
    this.lang = box.getAttribute("data-lang") || "";  // a translated page: lunr-languages and its own index
    this.input = box.querySelector("input");
    this.status = box.querySelector("[data-search-status]");
    this.list = box.querySelector("[data-search-results]");
    this.panel = box.querySelector("[data-search-panel]");
    this.index = null;
    this.data = null;
    this.lunr = null;
    this.loading = false;
    this.pending = false;
  }

  Search.prototype.start = function () {
    var self = this;
    var form = this.box.querySelector("form");
    this.box.hidden = false;
    this.input.addEventListener("focus", function () { self.load(); self.update(); });
    // The results close when the focus leaves the search (they stay while it moves into them).
    this.box.addEventListener("focusout", function (event) {
      if (!event.relatedTarget || !self.box.contains(event.relatedTarget)) { self.open(false); }
    });
    this.input.addEventListener("input", function () { self.update(); });
    this.input.addEventListener("keydown", function (event) {
      if (event.key === "Escape" || event.key === "Esc") {
        self.input.value = "";
        self.update();
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.update();
      var first = self.list.querySelector("a");
      if (first) { first.focus(); }
    });
  };

  // lunr.js and the index are loaded on first use only, so pages stay light.
  //
  // Both arrive as globals (window.lunr, window.IOPCURR_SEARCH). An element of the page with
  // that id (or `exports`, `module`, `define`, which lunr's loader looks at) is also reachable
  // as a global until a script sets it ("DOM clobbering"): so each global is taken only if it has
  // the expected type, is kept in this closure once loaded, and never read again.
  function lunrLibrary() {
    var lib = window.lunr;
    return typeof lib === "function" && lib.Index && typeof lib.Index.load === "function" ? lib : null;
  }

  function searchData() {
    var data = window.IOPCURR_SEARCH;
    var plain = data && typeof data === "object" && Object.prototype.toString.call(data) === "[object Object]";
    return plain && Array.isArray(data.docs) && data.kinds && typeof data.kinds === "object" ? data : null;
  }

  function isNode(value) {
    return typeof value === "object" && value !== null &&
      (value instanceof Node || value instanceof HTMLCollection || value instanceof NodeList);
  }

  // lunr.min.js picks how to export itself by `typeof define` and `typeof exports`.
  function unclobberLoader() {
    ["define", "exports", "module"].forEach(function (name) {
      if (isNode(window[name])) { window[name] = undefined; }
    });
  }

  Search.prototype.load = function () {
    var self = this;
    if (this.index || this.loading) { return; }
    this.loading = true;
    var failed = function () { self.say(self.msg("missing", "Search is not available: its files are missing.")); };
    var ready = function () {
      self.lunr = self.lunr || lunrLibrary();
      self.data = searchData();
      if (!self.data || !self.lunr) { failed(); return; }
      self.index = self.data.index ? self.lunr.Index.load(self.data.index)
                                   : { query: function () { return []; } };
      if (self.pending) { self.update(); }
    };
    var withIndex = function () {
      self.lunr = lunrLibrary();
      if (!self.lunr) { failed(); return; }
      if (searchData()) { ready(); }
      else { loadScript(self.root + "static/search-index" + (self.lang ? "." + self.lang : "") + ".js", ready, failed); }
    };
    var withLanguage = function () {
      if (!self.lang || (lunrLibrary() && lunrLibrary()[self.lang])) { withIndex(); return; }
      loadScript(self.root + "static/lunr.stemmer.support.min.js", function () {
        loadScript(self.root + "static/lunr." + self.lang + ".min.js", withIndex, failed);
      }, failed);
    };
    if (lunrLibrary()) { withLanguage(); }
    else {
      unclobberLoader();
      loadScript(this.root + "static/lunr.min.js", withLanguage, failed);
    }
  };

  // An interface string of the page's language (data-msg-* of the search box), `{n}` and `{q}` filled in.
  Search.prototype.msg = function (key, fallback, n, q) {
    var text = this.box.getAttribute("data-msg-" + key) || fallback;
    return text.replace("{n}", String(n)).replace("{q}", String(q));
  };

  Search.prototype.say = function (text) {
    this.status.textContent = text;
    this.open(text !== "");
  };

  Search.prototype.open = function (yes) {
    if (yes) { this.panel.className = "search-panel open"; }
    else { this.panel.className = "search-panel"; }
  };

  Search.prototype.terms = function (text) {
    var lunr = this.lunr;
    var language = this.lang ? lunr[this.lang] : lunr;
    return lunr.tokenizer(text)
      .map(function (token) { return language.trimmer(token); })
      .filter(function (token) { return language.stopWordFilter(token) !== undefined; })
      .map(String)
      .filter(function (term) { return term.length > 0; });
  };

  // Every word must match (so "anger meter" narrows, not widens); if nothing matches, the last
  // word is taken as the start of a word, for results while someone is still typing.
  Search.prototype.run = function (terms) {
    var lunr = this.lunr;
    var index = this.index;
    var query = function (prefixLast) {
      return index.query(function (q) {
        terms.forEach(function (term, i) {
          if (prefixLast && i === terms.length - 1) {
            q.term(term, { presence: lunr.Query.presence.REQUIRED,
                           wildcard: lunr.Query.wildcard.TRAILING, usePipeline: false });
          } else {
            q.term(term, { presence: lunr.Query.presence.REQUIRED });
          }
        });
      });
    };
    var docs = this.data.docs;
    var scope = this.scope;
    var inScope = function (r) { return !scope || docs[Number(r.ref)].kind === scope; };
    var results = query(false).filter(inScope);
    return results.length ? results : query(true).filter(inScope);
  };

  Search.prototype.update = function () {
    var text = this.input.value.trim();
    this.list.textContent = "";
    if (!text) { this.say(""); return; }
    if (!this.index) { this.pending = true; this.say(this.msg("loading", "Loading search…")); this.load(); return; }
    this.pending = false;
    var terms = this.terms(text);
    var docs = this.data.docs;
    var results = terms.length ? this.run(terms) : [];
    var shown = results.slice(0, MAX_RESULTS);
    for (var i = 0; i < shown.length; i++) {
      this.list.appendChild(this.item(docs[Number(shown[i].ref)], terms));
    }
    var count = results.length === 1 ? this.msg("one", "1 result") : this.msg("many", "{n} results", results.length);
    if (results.length > shown.length) { count += this.msg("first", ", showing the first {n}", shown.length); }
    this.say(results.length ? this.msg("found", "{n} for “{q}”.", count, text) : this.msg("none", "No results for “{q}”.", 0, text));
  };

  Search.prototype.item = function (doc, terms) {
    var li = document.createElement("li");
    var link = document.createElement("a");
    link.href = this.root + doc.url;
    link.textContent = doc.title;
    var kind = document.createElement("span");
    kind.className = "search-kind";
    kind.textContent = " · " + this.data.kinds[doc.kind];
    var excerpt = document.createElement("p");
    excerpt.className = "search-excerpt";
    fillExcerpt(excerpt, doc, needles(this.lang ? this.lunr[this.lang] : this.lunr, terms, this.lunr.Token));
    li.appendChild(link);
    li.appendChild(kind);
    li.appendChild(excerpt);
    return li;
  };

  // The words to look for in a page's text: each typed word and, if shorter, its stem.
  function needles(language, terms, Token) {
    var out = [];
    terms.forEach(function (term) {
      var stem = String(language.stemmer(new Token(term)));
      out.push(term);
      if (stem && stem !== term && term.indexOf(stem) === 0) { out.push(stem); }
    });
    return out;
  }

  // An excerpt of the page's own text around the first word found, the words marked.
  function fillExcerpt(element, doc, words) {
    var text = doc.text;
    var lower = text.toLowerCase();
    var first = -1;
    words.forEach(function (word) {
      var at = lower.indexOf(word);
      if (at >= 0 && (first < 0 || at < first)) { first = at; }
    });
    if (first < 0) { element.textContent = doc.summary; return; }
    var start = Math.max(0, first - 70);
    var end = Math.min(text.length, first + 130);
    if (start > 0) { start = text.indexOf(" ", start) + 1 || start; }
    if (end < text.length) { end = text.lastIndexOf(" ", end); if (end <= first) { end = first + 130; } }
    var piece = text.slice(start, end);
    var pieceLower = piece.toLowerCase();
    var pos = 0;
    var append = function (s) { element.appendChild(document.createTextNode(s)); };
    if (start > 0) { append("… "); }
    while (pos < piece.length) {
      var next = -1;
      var length = 0;
      for (var i = 0; i < words.length; i++) {
        var at = pieceLower.indexOf(words[i], pos);
        if (at >= 0 && (next < 0 || at < next || (at === next && words[i].length > length))) {
          next = at;
          length = words[i].length;
        }
      }
      if (next < 0) { append(piece.slice(pos)); break; }
      append(piece.slice(pos, next));
      var mark = document.createElement("mark");
      mark.textContent = piece.slice(next, next + length);
      element.appendChild(mark);
      pos = next + length;
    }
    if (end < text.length) { append(" …"); }
  }

  function setUpSearch() {
    var box = document.querySelector("[data-search]");
    if (box) { new Search(box).start(); }
  }

  setUpPrint();
  setUpNav();
  setUpSearch();
}());
