/* iopcurr serve only (never in a built site): show a saved page's changes in place.

   A livereload.js plugin. When the page shown is the one that changed, it fetches the page and
   replaces only the parts that differ, instead of loading the whole page again: the change shows
   sooner, the page does not flash and the reader keeps their place. Whenever that could show
   something else than loading the page would, it loads the page: the head changed (stylesheets,
   scripts, the error overlay), a changed part holds a script or an element that the theme's
   scripts work on (a data-* attribute), or anything goes wrong.

   What the page looked like before any script changed it is kept (this file runs first of the
   page's scripts), and the differences are found between that and the new page, so that what
   the theme's scripts did to the parts that did not change stays. */
(function () {
  "use strict";

  var base = null;  // the page as served, before any script ran: a copy of its element

  var LARGEST = 50000;  // elements: a larger page (the manual of a large program) is loaded again

  function usable() {
    if (document.getElementsByTagName("*").length > LARGEST) { return false; }
    // Only deferred scripts from the site itself may run before this one: then the copy is the page as served.
    var scripts = document.getElementsByTagName("script");
    for (var i = 0; i < scripts.length; i++) {
      if (!scripts[i].defer || !scripts[i].src) { return false; }
    }
    return true;
  }

  function here() {
    var path = window.location.pathname;
    return path.charAt(path.length - 1) === "/" ? path + "index.html" : path;
  }

  function part(html, tag) {
    for (var i = 0; i < html.children.length; i++) {
      if (html.children[i].tagName === tag) { return html.children[i]; }
    }
    return null;
  }

  function headKey(head) {
    var parts = [];
    for (var i = 0; i < head.children.length; i++) {
      if (head.children[i].tagName !== "TITLE") { parts.push(head.children[i].outerHTML); }
    }
    return parts.join("\n");
  }

  function sameAttributes(a, b) {
    if (a.attributes.length !== b.attributes.length) { return false; }
    for (var i = 0; i < a.attributes.length; i++) {
      if (b.getAttribute(a.attributes[i].name) !== a.attributes[i].value) { return false; }
    }
    return true;
  }

  function scripted(element) {
    if (element.tagName === "SCRIPT") { return true; }
    for (var i = 0; i < element.attributes.length; i++) {
      if (element.attributes[i].name.indexOf("data-") === 0) { return true; }
    }
    for (var j = 0; j < element.children.length; j++) {
      if (scripted(element.children[j])) { return true; }
    }
    return false;
  }

  // The replacements that make `live` (which showed `old`) show `fresh`, or null.
  function plan(live, old, fresh, out) {
    if (old.isEqualNode(fresh)) { return out; }
    var same = old.nodeType === 1 && fresh.nodeType === 1 && old.tagName === fresh.tagName &&
      sameAttributes(old, fresh) && old.childNodes.length === fresh.childNodes.length &&
      live.childNodes.length === old.childNodes.length;
    if (!same) {
      if (fresh.nodeType === 1 && scripted(fresh)) { return null; }
      if (live.nodeType !== old.nodeType || !live.parentNode) { return null; }
      out.push([live, fresh]);
      return out;
    }
    for (var i = 0; i < old.childNodes.length; i++) {
      if (plan(live.childNodes[i], old.childNodes[i], fresh.childNodes[i], out) === null) { return null; }
    }
    return out;
  }

  function update(text) {
    var fresh = new DOMParser().parseFromString(text, "text/html");
    var head = part(base, "HEAD"), body = part(base, "BODY");
    if (!head || !body || !fresh.body || headKey(head) !== headKey(fresh.head) ||
        !sameAttributes(body, fresh.body) || !sameAttributes(base, fresh.documentElement)) { return false; }
    var changes = plan(document.body, body, fresh.body, []);
    if (changes === null) { return false; }
    for (var i = 0; i < changes.length; i++) {
      changes[i][0].parentNode.replaceChild(document.importNode(changes[i][1], true), changes[i][0]);
    }
    document.title = fresh.title;
    base = fresh.documentElement;  // imported copies went in: it is still the page as served
    return true;
  }

  function Plugin(window) {
    this.window = window;
  }
  Plugin.identifier = "iopcurr";
  Plugin.version = "1.0";
  Plugin.prototype.reload = function (path) {
    var win = this.window;
    if (base === null || path !== here()) { return false; }
    var request = new XMLHttpRequest();
    request.open("GET", here());
    request.onload = function () {
      var done = false;
      try {
        done = request.status === 200 && update(request.responseText);
      } catch (e) {
        done = false;
      }
      if (!done) { win.location.reload(); }
    };
    request.onerror = function () { win.location.reload(); };
    request.send();
    return true;
  };

  if (usable() && window.DOMParser && document.documentElement.isEqualNode) {
    base = document.documentElement.cloneNode(true);
  }
  window.LiveReloadPluginIopcurr = Plugin;  // livereload.js, which runs next, takes it
}());
