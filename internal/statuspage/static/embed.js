// Tocsin status banner for a customer-facing site:
//   <script src="https://status.example.com/embed.js" async></script>
// It reads api/v2/summary.json beside itself and, during an unresolved
// incident or a maintenance in progress, shows a dismissible banner at the
// top of the page. Text from the status page is set with textContent only.
// When it has decided, it says so on its own tag for the site's scripts (and
// tests): data-tocsin="shown", "dismissed", "quiet" or "unreachable".
(function () {
  "use strict";
  var words = /*WORDS*/{};
  var script = document.currentScript;
  if (!script || !script.src || !window.fetch) {
    return;
  }
  var base = script.src.replace(/[?#].*$/, "").replace(/[^\/]*$/, "");
  var storageKey = "tocsin-status-dismissed:" + base;
  var colours = { none: "#5c6670", minor: "#9c6500", major: "#c2410c", critical: "#c92a2a", maintenance: "#1c64c4" };
  var rank = { none: 0, minor: 1, major: 2, critical: 3 };

  function pick(summary) {
    var best = null;
    var list = summary.incidents || [];
    for (var i = 0; i < list.length; i++) {
      var inc = list[i];
      if (inc.status === "resolved" || inc.status === "postmortem") {
        continue;
      }
      if (!best || (rank[inc.impact] || 0) > (rank[best.impact] || 0)) {
        best = inc;
      }
    }
    if (best) {
      return { kind: "incident", item: best };
    }
    var maintenances = summary.scheduled_maintenances || [];
    for (var j = 0; j < maintenances.length; j++) {
      if (maintenances[j].status === "in_progress" || maintenances[j].status === "verifying") {
        return { kind: "maintenance", item: maintenances[j] };
      }
    }
    return null;
  }

  function done(state) {
    script.setAttribute("data-tocsin", state);
  }

  function dismissed(token) {
    try {
      return window.localStorage.getItem(storageKey) === token;
    } catch (e) {
      return false;
    }
  }

  function show(found) {
    var item = found.item;
    var token = item.id + "@" + item.updated_at;
    if (dismissed(token)) {
      done("dismissed");
      return;
    }
    var bar = document.createElement("div");
    bar.setAttribute("role", "status");
    bar.className = "tocsin-status-banner";
    var s = bar.style;
    s.position = "relative";
    s.zIndex = "2147483000";
    s.display = "flex";
    s.flexWrap = "wrap";
    s.alignItems = "center";
    s.gap = "4px 12px";
    s.padding = "10px 48px 10px 16px";
    s.font = "15px/1.4 system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif";
    s.color = "#fff";
    s.background = found.kind === "maintenance" ? colours.maintenance : (colours[item.impact] || colours.minor);

    var title = document.createElement("strong");
    title.textContent = (found.kind === "maintenance" ? words.maintenance : words.incident) + words.colon + item.name;
    // A title holding a URL wraps instead of running under the close button.
    title.style.minWidth = "0";
    title.style.overflowWrap = "anywhere";
    bar.appendChild(title);

    var latest = item.incident_updates && item.incident_updates[0];
    var state = document.createElement("span");
    state.textContent = words.status[(latest && latest.status) || item.status] || "";
    bar.appendChild(state);

    var link = document.createElement("a");
    link.href = base + "incidents/" + encodeURIComponent(item.id) + ".html";
    link.textContent = words.details;
    link.style.color = "#fff";
    link.style.textDecoration = "underline";
    bar.appendChild(link);

    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "×";
    close.setAttribute("aria-label", words.dismiss);
    close.title = words.dismiss;
    var c = close.style;
    c.position = "absolute";
    c.right = "8px";
    c.top = "50%";
    c.transform = "translateY(-50%)";
    c.background = "transparent";
    c.border = "0";
    c.color = "#fff";
    c.font = "22px/1 sans-serif";
    c.cursor = "pointer";
    c.padding = "4px 8px";
    close.addEventListener("click", function () {
      try {
        window.localStorage.setItem(storageKey, token);
      } catch (e) {
        // private mode: the banner comes back on the next page, no harm
      }
      bar.parentNode.removeChild(bar);
    });
    bar.appendChild(close);
    document.body.insertBefore(bar, document.body.firstChild);
    done("shown");
  }

  function whenReady(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  fetch(base + "api/v2/summary.json", { credentials: "omit" })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (summary) {
      var found = summary && pick(summary);
      if (found) {
        whenReady(function () { show(found); });
      } else {
        done(summary ? "quiet" : "unreachable");
      }
    })
    .catch(function () {
      // the status page is unreachable: say nothing rather than break the site
      done("unreachable");
    });
})();
