/* Redoc-style deep links: #tag/<Tag>/operation/<id>, #operation/<id> and #tag/<Tag>/paths/<path>/<method>
   land on the operation, on this page or on the page that holds it (map embedded in the overview). */
(function () {
  function land() {
    var hash = decodeURIComponent(location.hash.slice(1))
    if (!hash || document.getElementById(hash)) return
    var match = document.querySelector("[data-aliases~='" + hash.replace(/'/g, "\\'") + "']")
    if (match) { match.scrollIntoView(); return }
    var op = hash.match(/operation\/([^/]+)$/)
    if (op && document.getElementById("operation/" + op[1])) {
      document.getElementById("operation/" + op[1]).scrollIntoView(); return
    }
    var map = document.getElementById("dp-api-map")
    if (map) {
      var targets = JSON.parse(map.textContent)
      var target = targets[hash] || (op && targets["operation/" + op[1]])
      if (target) { location.replace(new URL(target, location.href).href); return }
    }
    if (/^(tag|operation|paths|webhooks)\//.test(hash) && document.querySelector(".dp-api--tag")) {
      location.replace(new URL("../#" + location.hash.slice(1), location.href).href)
    }
  }
  window.addEventListener("hashchange", land)
  if ("document$" in window) { document$.subscribe(land) } else { document.addEventListener("DOMContentLoaded", land) }
})()
