// Tocsin's only script. Every page works without it; with it, lists and alert
// pages update live (Server-Sent Events), "select all" works, destructive
// buttons ask first, and snippets have a copy button.
(function () {
  "use strict";

  // Buttons and forms with data-confirm ask before submitting.
  document.addEventListener("submit", function (e) {
    var button = e.submitter;
    var msg = (button && button.getAttribute("data-confirm")) || e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) {
      e.preventDefault();
    }
  });

  // "Select all" checks every row of its table.
  document.addEventListener("change", function (e) {
    var box = e.target;
    if (!box.matches || !box.matches("[data-select-all]")) return;
    var table = box.closest("table");
    if (!table) return;
    table.querySelectorAll("tbody input[type=checkbox]").forEach(function (c) {
      c.checked = box.checked;
    });
  });

  // Copy buttons copy the text of the element they name.
  document.addEventListener("click", function (e) {
    var button = e.target.closest ? e.target.closest("[data-copy]") : null;
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) return;
    var text = source.textContent;
    var done = function () {
      var label = button.textContent;
      button.textContent = button.getAttribute("data-copied") || label;
      setTimeout(function () { button.textContent = label; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { selectText(source); });
    } else {
      selectText(source);
    }
  });

  function selectText(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  // Live updates: the element with data-live is refetched from that URL when
  // the server says alerts changed, and swapped in place.
  var live = document.querySelector("[data-live]");
  if (!live || !window.EventSource || !window.fetch) return;

  var busy = false;
  var again = false;
  var last = live.innerHTML;

  function rowIDs(root) {
    var ids = {};
    root.querySelectorAll("[data-id]").forEach(function (row) { ids[row.getAttribute("data-id")] = true; });
    return ids;
  }

  function swap(html) {
    if (html === last) return;
    last = html;
    // Keep what the user did: checked rows, the focused control.
    var checked = {};
    live.querySelectorAll("input[type=checkbox][name=id]:checked").forEach(function (c) { checked[c.value] = true; });
    var focused = document.activeElement && live.contains(document.activeElement) ? document.activeElement.id : "";
    var before = rowIDs(live);
    var hadRows = Object.keys(before).length > 0;

    live.innerHTML = html;

    live.querySelectorAll("input[type=checkbox][name=id]").forEach(function (c) {
      if (checked[c.value]) c.checked = true;
    });
    if (focused) {
      var el = document.getElementById(focused);
      if (el) el.focus();
    }
    var added = 0;
    live.querySelectorAll("[data-id]").forEach(function (row) {
      if (!before[row.getAttribute("data-id")]) {
        added++;
        if (hadRows) row.classList.add("new");
      }
    });
    // Tab counts and the menu badge.
    live.querySelectorAll(".live-count").forEach(function (c) {
      var tab = document.querySelector('.tabs [data-tab="' + c.getAttribute("data-tab") + '"] .count');
      if (tab) tab.textContent = c.getAttribute("data-count");
      if (c.getAttribute("data-tab") === "open") {
        var badge = document.getElementById("open-count");
        if (badge) {
          badge.textContent = c.getAttribute("data-count");
          badge.classList.toggle("badge-hot", c.getAttribute("data-count") !== "0");
        }
      }
    });
    var status = document.getElementById("live-status");
    if (status && added > 0) {
      status.textContent = status.getAttribute("data-new").replace("{n}", String(added));
    }
  }

  function refresh() {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    fetch(live.getAttribute("data-live"), { credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        if (r.status === 401) {
          window.location.reload();
          return null;
        }
        return r.ok ? r.text() : null;
      })
      .then(function (html) {
        if (html !== null) swap(html);
      })
      .catch(function () {})
      .then(function () {
        busy = false;
        if (again) {
          again = false;
          refresh();
        }
      });
  }

  var source = new EventSource("/events");
  source.addEventListener("alerts", refresh);
  // Changes made between the page load (or a dropped connection) and this
  // moment were not announced: fetch once.
  source.addEventListener("open", function () {
    refresh();
    document.documentElement.setAttribute("data-stream", "connected");
  });
  source.addEventListener("error", function () {
    document.documentElement.setAttribute("data-stream", "reconnecting");
  });
})();
