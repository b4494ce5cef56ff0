/* iopcurr default theme: the facilitator's night. The "Tonight" card of the home page and the
   schedule (picked from static/sessions.js by the browser's clock, so a copy of the site stays
   right week after week), the next session marked in the schedule grid, and the segment timer of
   the run sheet and the session page. Plain ES5, loaded with `defer`; without JavaScript the card
   points to the schedule and the timer stays hidden. */
(function () {
  "use strict";

  var MINUTE = 60000;
  var PREFIX = "iopcurr.timer.";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    var key;
    for (key in attrs || {}) {
      if (Object.prototype.hasOwnProperty.call(attrs, key)) { node.setAttribute(key, attrs[key]); }
    }
    if (text) { node.textContent = text; }
    return node;
  }

  function clear(node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
  }

  /* Fill `{name}` in `text` from `values`. */
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all;
    });
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function clockTime(ms, style) {
    var d = new Date(ms);
    var h = d.getHours();
    if (style === "24h") { return pad(h) + ":" + pad(d.getMinutes()); }
    return ((h % 12) || 12) + ":" + pad(d.getMinutes()) + " " + (h < 12 ? "AM" : "PM");
  }

  // ---------------------------------------------------------------- tonight

  /* The session now running, or else the next one; null when the calendar is over. */
  function pick(sessions, now) {
    for (var i = 0; i < sessions.length; i++) {
      if (sessions[i].end > now) { return sessions[i]; }
    }
    return null;
  }

  /* The words of the page's language, from the data-t-* attributes of `box` ({name} filled in). */
  function say(box, key, values) {
    return fill(box.getAttribute("data-t-" + key) || key, values || {});
  }

  function labelOf(box, s, now) {
    if (now >= s.start) { return say(box, "now"); }
    if (new Date(s.start).toDateString() === new Date(now).toDateString()) { return say(box, "tonight"); }
    return say(box, "next");
  }

  function fillCard(box, data, now) {
    var title = box.querySelector("#tonight-title");
    var body = box.querySelector("[data-tonight-body]");
    if (!title || !body) { return; }
    var s = pick(data.sessions, now);
    clear(title);
    clear(body);
    box.setAttribute("data-session", s ? String(s.n) : "");
    if (!s) {
      title.textContent = say(box, "calendar");
      var p = el("p", {}, say(box, "ended", { date: data.ended }) + " ");
      p.appendChild(el("a", { href: "schedule.html" }, say(box, "schedule")));
      p.appendChild(document.createTextNode("."));
      body.appendChild(p);
      return;
    }
    title.appendChild(el("span", { "class": "tonight-label" }, labelOf(box, s, now) + ":"));
    title.appendChild(document.createTextNode(" " + say(box, "session", { n: s.n, title: s.title })));
    body.appendChild(el("p", { "class": "tonight-when" }, s.when + (s.track ? " · " + s.track : "")));
    if (s.handouts.length) {
      body.appendChild(el("p", { "class": "tonight-handouts-title" }, say(box, "handouts", { copies: data.copies })));
      var list = el("ul", { "class": "tonight-handouts" });
      s.handouts.forEach(function (h) {
        var li = el("li");
        li.appendChild(el("a", { href: h[1] }, h[0]));
        list.appendChild(li);
      });
      body.appendChild(list);
    } else {
      body.appendChild(el("p", {}, say(box, "no-handouts")));
    }
    var actions = el("p", { "class": "tonight-actions" });
    actions.appendChild(el("a", { "class": "button", href: "bundles/" + s.n + ".html" }, say(box, "print")));
    if (s.pdf) {  // with --pdf: one PDF of tonight's handouts
      actions.appendChild(document.createTextNode(" "));
      actions.appendChild(el("a", { href: s.pdf }, say(box, "pdf")));
    }
    actions.appendChild(document.createTextNode(" "));
    actions.appendChild(el("a", { "class": "button", href: "runsheets/" + s.n + ".html" }, say(box, "run-sheet")));
    actions.appendChild(document.createTextNode(" "));
    actions.appendChild(el("a", { "class": "button", href: "sessions/" + s.n + ".html" }, say(box, "guide")));
    actions.appendChild(document.createTextNode(" "));
    actions.appendChild(el("a", { href: "paperwork/" + s.n + ".html" }, say(box, "paperwork")));
    body.appendChild(actions);
  }

  function markGrid(box, data, now) {
    var s = pick(data.sessions, now);
    if (!s) { return; }
    var cell = document.querySelector("[data-grid] [data-session='" + s.n + "']");
    if (!cell) { return; }
    cell.className += " grid-next";
    var flag = cell.querySelector("[data-flag]");
    if (flag && box) { flag.textContent = " (" + labelOf(box, s, now).toLowerCase() + ")"; }
  }

  function setUpTonight() {
    var data = window.iopcurr && window.iopcurr.sessions;
    if (!data || !data.sessions || !data.sessions.length) { return; }
    var now = Date.now();
    var box = document.querySelector("[data-tonight]");
    if (box && !box.hasAttribute("data-fixed")) { fillCard(box, data, now); }
    markGrid(box, data, now);
  }

  // ---------------------------------------------------------------- segment timer

  function parsePlan(text) {
    return text.split("\n").map(function (line) {
      var f = line.split("|");
      return { kind: f[0], part: Number(f[1]), minutes: Number(f[2]), title: f.slice(3).join("|") };
    });
  }

  function Timer(box) {
    this.box = box;
    this.rows = parsePlan(box.getAttribute("data-timer"));
    this.key = PREFIX + box.getAttribute("data-timer-key");
    this.style = box.getAttribute("data-clock") || "12h";
    this.now = box.querySelector("[data-timer-now]");
    this.cut = box.querySelector("[data-timer-cut]");
    this.say = box.querySelector("[data-timer-say]");
    this.list = box.querySelector("[data-timer-plan]");
    this.startButton = box.querySelector("[data-timer-start]");
    this.nextButton = box.querySelector("[data-timer-next]");
    this.resetButton = box.querySelector("[data-timer-reset]");
    this.state = null;
    this.spoken = "";
    this.ticking = null;
  }

  /* The words of the page's language (data-t-* of the timer box, from the theme's catalogue). */
  Timer.prototype.t = function (key, values) {
    return fill(this.box.getAttribute("data-t-" + key) || key, values || {});
  };

  Timer.prototype.load = function () {
    try {
      var saved = JSON.parse(window.localStorage.getItem(this.key) || "null");
      if (saved && saved.start && saved.lens && saved.lens.length === this.rows.length) { this.state = saved; }
    } catch (e) { this.state = null; }
  };

  Timer.prototype.save = function () {
    try {
      if (this.state) { window.localStorage.setItem(this.key, JSON.stringify(this.state)); }
      else { window.localStorage.removeItem(this.key); }
    } catch (e) { /* private browsing: the timer still runs, it just forgets on reload */ }
  };

  /* Where the session stands at `now`: the current row, when it should end, and the minutes of
     the later rows. When the current row runs over, the later segments give up minutes, in
     proportion to their length, so the closing ritual still ends on time. */
  Timer.prototype.plan = function (now) {
    var st = this.state;
    var rows = this.rows;
    var n = rows.length;
    var i = st.marks.length;
    var total = 0;
    rows.forEach(function (r) { total += r.minutes; });
    var end = st.start + total * MINUTE;
    var result = { index: i, end: end, lens: st.lens.slice(), starts: [], over: 0, cuts: [] };
    if (i >= n) { return result; }
    var begun = i === 0 ? st.start : st.marks[i - 1];
    var due = begun + st.lens[i];
    result.due = due;
    result.over = Math.max(0, Math.round((now - due) / MINUTE));
    var from = Math.max(now, due);
    if (i < n - 1) {
      var closing = st.lens[n - 1];
      var avail = Math.max(0, Math.round((end - closing - from) / MINUTE));  // seconds over cut nothing
      var planned = 0;
      var j;
      for (j = i + 1; j < n - 1; j++) { planned += st.lens[j] / MINUTE; }
      if (planned > avail) {
        var shares = [];
        var given = 0;
        for (j = i + 1; j < n - 1; j++) {
          var exact = planned ? (st.lens[j] / MINUTE) * avail / planned : 0;
          shares.push({ j: j, whole: Math.floor(exact), rest: exact - Math.floor(exact) });
          given += Math.floor(exact);
        }
        shares.slice().sort(function (a, b) { return b.rest - a.rest || a.j - b.j; })
          .slice(0, avail - given).forEach(function (s) { s.whole += 1; });
        shares.forEach(function (s) { result.lens[s.j] = s.whole * MINUTE; });
      }
      for (j = i; j < n - 1; j++) {  // the current segment too, once it was cut
        var lost = rows[j].minutes - result.lens[j] / MINUTE;
        if (lost > 0) { result.cuts.push({ title: rows[j].title, minutes: lost }); }
      }
    }
    var t = begun;
    for (var k = 0; k < n; k++) {
      if (k < i) { result.starts.push(k === 0 ? st.start : st.marks[k - 1]); continue; }
      if (k === i) { result.starts.push(begun); t = Math.max(now, due); continue; }
      result.starts.push(t);
      t += result.lens[k];
    }
    return result;
  };

  Timer.prototype.cutText = function (cuts) {
    if (!cuts.length) { return ""; }
    var self = this;
    return this.t("cut", { cuts: cuts.map(function (c) {
      return self.t("cut-item", { minutes: c.minutes, title: c.title });
    }).join("; ") });
  };

  Timer.prototype.render = function () {
    var self = this;
    var now = Date.now();
    var running = !!this.state;
    this.startButton.hidden = running;
    this.resetButton.hidden = !running;
    clear(this.list);
    if (!running) {
      this.nextButton.hidden = true;
      this.now.textContent = this.t("start-hint");
      this.cut.textContent = "";
      return;  // the agenda is on the page: the timer lists the plan once it runs
    }
    var p = this.plan(now);
    var n = this.rows.length;
    if (p.index >= n) {
      this.nextButton.hidden = true;
      this.now.textContent = this.t("ended");
      this.cut.textContent = "";
      this.speak(this.t("ended"));
      return;
    }
    var row = this.rows[p.index];
    this.nextButton.hidden = false;
    this.nextButton.textContent = this.t(p.index === n - 1 ? "end" : "next");
    var left = Math.round((p.due - now) / MINUTE);
    var due = clockTime(p.due, this.style);
    var status = this.t("now", { title: row.title, i: p.index + 1, n: n }) + " ";
    status += p.over > 0 ? this.t("over", { minutes: p.over, time: due }) : this.t("left", { minutes: Math.max(left, 0), time: due });
    this.now.textContent = status;
    this.cut.textContent = this.cutText(p.cuts);
    this.rows.forEach(function (r, k) {
      var minutes = k < p.index ? null : p.lens[k] / MINUTE;
      var text = clockTime(p.starts[k], self.style) + " " + r.title + (minutes === null ? " " + self.t("done")
        : self.t("row", { minutes: minutes }));
      var li = el("li", k === p.index ? { "aria-current": "step", "class": "timer-current" } : {}, text);
      self.list.appendChild(li);
    });
    var spoken = this.t("said-now", { title: row.title, time: due });
    if (p.over > 0) { spoken = this.t("said-over", { title: row.title }) + " " + this.cutText(p.cuts); }
    this.speak(spoken);
  };

  /* Tell screen readers only when something changes: a new segment, an overrun, a new cut. */
  Timer.prototype.speak = function (text) {
    if (text !== this.spoken) {
      this.spoken = text;
      this.say.textContent = text;
    }
  };

  Timer.prototype.start = function () {
    this.state = { start: Date.now(), marks: [], lens: this.rows.map(function (r) { return r.minutes * MINUTE; }) };
    this.save();
    this.render();
  };

  Timer.prototype.next = function () {
    if (!this.state) { return; }
    var now = Date.now();
    var p = this.plan(now);
    if (p.index >= this.rows.length) { return; }
    this.state.lens = p.lens;
    this.state.marks.push(now);
    this.save();
    this.render();
  };

  Timer.prototype.reset = function () {
    this.state = null;
    this.save();
    this.spoken = "";
    this.say.textContent = this.t("said-reset");
    this.render();
    this.startButton.focus();
  };

  Timer.prototype.run = function () {
    var self = this;
    this.load();
    this.startButton.addEventListener("click", function () { self.start(); self.nextButton.focus(); });
    this.nextButton.addEventListener("click", function () { self.next(); });
    this.resetButton.addEventListener("click", function () { self.reset(); });
    this.box.hidden = false;
    this.render();
    this.ticking = window.setInterval(function () { self.render(); }, 1000);
  };

  function setUpTimers() {
    var boxes = document.querySelectorAll("[data-timer]");
    Array.prototype.forEach.call(boxes, function (box) { new Timer(box).run(); });
  }

  setUpTonight();
  setUpTimers();
}());
