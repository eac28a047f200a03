/* Redoc-style deep links: #tag/<Tag>/operation/<id>, #operation/<id> and #tag/<Tag>/paths/<path>/<method>
   land on the operation, on this page or on the page that holds it (map embedded in the overview, or a file
   beside it for a big API, and the entries of a big tag's page, whose operations are on its parts). */
(function () {
  // Sections far from the viewport are laid out only when they come near it (content-visibility), so
  // the browser's jump to an anchor can land short once the sections around it take their real size:
  // jump again on each frame until the element has stayed where the last jump put it for five frames (at
  // most two seconds; a fixed four frames landed short on a loaded machine), unless the reader scrolls,
  // clicks or types meanwhile.
  function settle(element) {
    var frames = 0, still = 0, last = null, stopped = false
    var events = ["wheel", "touchstart", "keydown", "mousedown"]
    function stop() { stopped = true }
    function done() { events.forEach(function (name) { window.removeEventListener(name, stop) }) }
    function jump() {
      if (stopped) return done()
      var top = element.getBoundingClientRect().top
      still = last !== null && Math.abs(top - last) < 1 ? still + 1 : 0
      element.scrollIntoView()
      last = element.getBoundingClientRect().top
      if (still < 5 && ++frames < 120) { requestAnimationFrame(jump) } else { done() }
    }
    events.forEach(function (name) { window.addEventListener(name, stop, { passive: true }) })
    requestAnimationFrame(jump)
  }
  // The page of a big tag lists its operations, which are on its parts: an entry that holds an
  // operation's anchor sends the reader on to the operation on its part (data-dp-moved).
  function reach(element) {
    var moved = element.getAttribute("data-dp-moved")
    if (moved) { location.replace(new URL(moved, location.href).href) } else { settle(element) }
  }
  function land() {
    var hash = decodeURIComponent(location.hash.slice(1))
    if (!hash) return
    if (document.getElementById(hash)) { reach(document.getElementById(hash)); return }
    var match = document.querySelector("[data-aliases~='" + hash.replace(/'/g, "\\'") + "']")
    if (match) { reach(match); return }
    var op = hash.match(/operation\/(.+)$/)
    if (op && document.getElementById("operation/" + op[1])) {
      reach(document.getElementById("operation/" + op[1])); return
    }
    var map = document.getElementById("dp-api-map")
    if (map && map.getAttribute("data-src")) {
      // A big API's map is a file of its own, beside the overview: its targets are relative to it.
      var source = new URL(map.getAttribute("data-src"), location.href).href
      fetch(source).then(function (response) { return response.json() }).then(function (targets) {
        follow(targets, hash, op, source)
      })
      return
    }
    if (map && follow(JSON.parse(map.textContent), hash, op, location.href)) return
    if (/^(tag|operation|paths|webhooks)\//.test(hash) && document.querySelector(".dp-api--tag")) {
      location.replace(new URL("../#" + location.hash.slice(1), location.href).href)
    }
  }
  function follow(targets, hash, op, base) {
    var target = targets[hash] || (op && targets["operation/" + op[1]])
    if (target) location.replace(new URL(target, base).href)
    return Boolean(target)
  }
  window.addEventListener("hashchange", land)
  if ("document$" in window) { document$.subscribe(land) } else { document.addEventListener("DOMContentLoaded", land) }
})()
