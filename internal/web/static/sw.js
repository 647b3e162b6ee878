// Tocsin's service worker: shows Web Push messages as notifications. The
// server's payload is JSON: {"title", "body", "url", "ack_url", "ack_label",
// "tag", "urgent"}. A click opens url; the Acknowledge action opens ack_url,
// a confirmation page (acting takes a click there, never a mere visit).
"use strict";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

// Only links to http(s) pages are opened; anything else opens the alerts.
function safeURL(u) {
  try {
    var url = new URL(u, self.location.origin);
    if (url.protocol === "https:" || url.protocol === "http:") return url.href;
  } catch (e) {}
  return new URL("/alerts", self.location.origin).href;
}

self.addEventListener("push", function (event) {
  var data = {};
  if (event.data) {
    try {
      data = event.data.json() || {};
    } catch (e) {
      data = { body: event.data.text() };
    }
  }
  var options = {
    body: data.body || "",
    icon: "/static/icon.svg",
    badge: "/static/icon.svg",
    data: { url: safeURL(data.url || "/alerts"), ack_url: data.ack_url ? safeURL(data.ack_url) : "" },
    // A page stays on screen until the person acts on it.
    requireInteraction: !!data.urgent
  };
  if (data.tag) {
    // A newer message about the same alert replaces the older one, and rings again.
    options.tag = data.tag;
    options.renotify = true;
  }
  if (data.ack_url) {
    options.actions = [{ action: "ack", title: data.ack_label || "Acknowledge" }];
  }
  event.waitUntil(self.registration.showNotification(data.title || "Tocsin", options));
});

self.addEventListener("notificationclick", function (event) {
  var d = event.notification.data || {};
  event.notification.close();
  var target = event.action === "ack" && d.ack_url ? d.ack_url : d.url || safeURL("/alerts");
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (list) {
      for (var i = 0; i < list.length; i++) {
        if (list[i].url === target && "focus" in list[i]) return list[i].focus();
      }
      return self.clients.openWindow(target);
    })
  );
});
