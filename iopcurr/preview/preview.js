/* iopcurr serve only (never in a built site): keep the reader's place when a save reloads the page.

   A livereload.js plugin: before livereload.js reloads the page, the scroll position is kept in
   sessionStorage; the reloaded page scrolls back to it. And a page that was still loading when
   a save rebuilt it (its reload message came before its connection) reloads once connected: the
   server tells this script which version of the site folder the page comes from (data-version),
   and the status says which is the latest. */
(function () {
  "use strict";

  var KEY = "iopcurr-scroll";

  function Plugin(window) {
    this.window = window;
  }
  Plugin.identifier = "iopcurr";
  Plugin.version = "2.0";
  Plugin.prototype.reload = function () {
    var win = this.window;
    try {
      win.sessionStorage.setItem(KEY, JSON.stringify(
        {path: win.location.pathname, x: win.scrollX, y: win.scrollY, at: Date.now()}));
    } catch (e) { /* storage refused: the page loads at its top */ }
    return false;  // livereload.js reloads the page (or swaps a stylesheet in place)
  };

  function restore() {
    var kept = null;
    try {
      kept = JSON.parse(window.sessionStorage.getItem(KEY) || "null");
      window.sessionStorage.removeItem(KEY);
    } catch (e) { kept = null; }
    if (kept && kept.path === window.location.pathname && Date.now() - kept.at < 30000) {
      window.scrollTo(kept.x, kept.y);
    }
  }

  if (document.readyState === "complete") { restore(); } else { window.addEventListener("load", restore); }

  var served = document.currentScript && document.currentScript.getAttribute("data-version");
  document.addEventListener("LiveReloadConnect", function () {
    fetch("/__iopcurr/status.json", {cache: "no-store"}).then(function (answer) {
      return answer.json();
    }).then(function (status) {
      if (served !== null && String(status.version) !== served) {
        Plugin.prototype.reload.call({window: window});
        window.location.reload();
      }
    }, function () { /* the server is gone: livereload.js keeps trying to connect */ });
  });

  // The site switcher (overlay.py), when the curriculum has sites/*.yml: the server previews the
  // site chosen and reloads every page.
  var choice = document.getElementById("iopcurr-sites-choice");
  if (choice) {
    choice.addEventListener("change", function () {
      choice.disabled = true;
      fetch("/__iopcurr/site", {method: "POST", body: choice.value}).then(function (answer) {
        if (answer.ok) { window.location.reload(); } else { choice.disabled = false; }
      }, function () { choice.disabled = false; });
    });
  }
  window.LiveReloadPluginIopcurr = Plugin;  // livereload.js, which runs next, takes it
}());
