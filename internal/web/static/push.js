// The profile page's script. It shows the value hint of the chosen contact
// type, and subscribes this browser to Web Push: register /sw.js, subscribe
// with the server's VAPID key, and add the subscription as a contact method
// through the page's own form endpoint (same origin: CrossOriginProtection
// lets it through). Everything else on the page works without it.
(function () {
  "use strict";

  // Value hints: one per type is rendered; only the chosen type's shows.
  var typeSelect = document.getElementById("c-type");
  function showHint() {
    document.querySelectorAll("[data-type-hint]").forEach(function (p) {
      p.hidden = p.getAttribute("data-type-hint") !== typeSelect.value;
    });
  }
  if (typeSelect) {
    typeSelect.addEventListener("change", showHint);
    showHint();
  }

  var box = document.getElementById("push");
  if (!box) return;
  var button = document.getElementById("push-enable");
  var status = document.getElementById("push-status");
  var key = box.getAttribute("data-vapid-key");
  if (!key || !("serviceWorker" in navigator) || !("PushManager" in window) || !window.fetch || !window.URLSearchParams) return;
  box.hidden = false;

  // The VAPID key is base64url; subscribe wants its bytes.
  function keyBytes(b64) {
    var s = b64.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var raw = window.atob(s);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  function say(text) {
    status.textContent = text;
  }

  function two(n) {
    return (n < 10 ? "0" : "") + n;
  }

  // "browser 2026-11-02 14.05": the name must be unique among one's methods.
  function name() {
    var d = new Date();
    return box.getAttribute("data-name") + " " + d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()) +
      " " + two(d.getHours()) + "." + two(d.getMinutes());
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    say(box.getAttribute("data-working"));
    var ask = window.Notification && Notification.requestPermission ? Notification.requestPermission() : Promise.resolve("granted");
    Promise.resolve(ask)
      .then(function (permission) {
        if (permission !== "granted") throw new Error(box.getAttribute("data-denied"));
        return navigator.serviceWorker.register("/sw.js", { scope: "/" });
      })
      .then(function () {
        return navigator.serviceWorker.ready;
      })
      .then(function (reg) {
        return reg.pushManager.getSubscription().then(function (sub) {
          return sub || reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) });
        });
      })
      .then(function (sub) {
        var body = new URLSearchParams();
        body.set("name", name());
        body.set("type", "webpush");
        body.set("value", JSON.stringify(sub));
        // Not following the redirect leaves the server's message for the reload.
        return fetch("/profile/contacts", { method: "POST", body: body, credentials: "same-origin", redirect: "manual" });
      })
      .then(function (resp) {
        if (resp.type === "opaqueredirect") {
          // Added (or known already): the page again, with the new method
          // and the message. Only the hash would change from /profile: reload.
          window.location.hash = "contacts";
          window.location.reload();
          return;
        }
        // The page came back with the reason in its contact form.
        return resp.text().then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var err = doc.querySelector("#contacts .form-error");
          throw new Error(err ? err.textContent : box.getAttribute("data-failed"));
        });
      })
      .catch(function (e) {
        button.disabled = false;
        say(e && e.message ? e.message : box.getAttribute("data-failed"));
      });
  });
})();
