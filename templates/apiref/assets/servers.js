/* The server the code samples call: the reader picks one of the spec's servers (and its variables) and
   every sample that uses the API's servers follows. Self-contained, so other widgets ("try it") can reuse
   it: window.devportalServers.current(form) is the chosen base URL, and a "dp-server-change" event
   (detail: {api, url}) is sent on the document when it changes. The choice is kept per API for the
   session. Server URLs come from the spec: they are only ever read and written as text. */
(function () {
  var STORE = "devportal.server:"

  function variables(form, index) {
    var fieldset = form.querySelector(".dp-servers__vars[data-server='" + Number(index) + "']")
    return fieldset ? Array.prototype.slice.call(fieldset.querySelectorAll("[data-variable]")) : []
  }

  function fill(template, pairs) {
    var url = template
    pairs.forEach(function (pair) { if (pair[1] !== null) url = url.split("{" + pair[0] + "}").join(pair[1]) })
    return url.replace(/\/+$/, "")
  }

  /* What the samples were written with: the first server, its variables at their defaults. */
  function defaultUrl(form) {
    var select = form.querySelector(".dp-servers__select")
    return fill(select.options[0].getAttribute("data-url"), variables(form, 0).map(function (input) {
      return [input.getAttribute("data-variable"), input.getAttribute("data-default")]
    }))
  }

  function current(form) {
    var select = form.querySelector(".dp-servers__select")
    return fill(select.options[select.selectedIndex].getAttribute("data-url"),
                variables(form, select.selectedIndex).map(function (input) {
                  return [input.getAttribute("data-variable"), input.value || input.getAttribute("data-default")]
                }))
  }

  /* The URL as a literal of each sample's language: inside '…' in curl, a Python str, a JS string. */
  function literal(url, language) {
    if (language === "bash") return url.split("'").join("'\\''")
    if (language === "python") return url.replace(/\\/g, "\\\\").replace(/'/g, "\\'")
    if (language === "javascript") return JSON.stringify(url).slice(1, -1)
    return url
  }

  function rewrite(form, from, to) {
    document.querySelectorAll("[data-dp-follow-server] pre > code").forEach(function (code) {
      if (code.dpOriginal === undefined) code.dpOriginal = code.textContent
      var language = (code.className.match(/language-(\w+)/) || [])[1]
      code.textContent = code.dpOriginal.split(literal(from, language)).join(literal(to, language))
    })
  }

  function save(form) {
    var select = form.querySelector(".dp-servers__select")
    var values = {}
    variables(form, select.selectedIndex).forEach(function (input) { values[input.getAttribute("data-variable")] = input.value })
    try {
      sessionStorage.setItem(STORE + form.getAttribute("data-api"), JSON.stringify({server: select.selectedIndex, values: values}))
    } catch (error) { /* storage off: the choice lasts for this page */ }
  }

  function restore(form) {
    var saved = null
    try { saved = JSON.parse(sessionStorage.getItem(STORE + form.getAttribute("data-api"))) } catch (error) { saved = null }
    if (!saved || typeof saved !== "object") return
    var select = form.querySelector(".dp-servers__select")
    if (Number.isInteger(saved.server) && saved.server >= 0 && saved.server < select.options.length) {
      select.selectedIndex = saved.server
    }
    var values = saved.values && typeof saved.values === "object" ? saved.values : {}
    variables(form, select.selectedIndex).forEach(function (input) {
      var value = values[input.getAttribute("data-variable")]
      if (typeof value !== "string") return
      if (input.tagName === "SELECT" && !Array.prototype.some.call(input.options, function (o) { return o.value === value })) return
      input.value = value
    })
  }

  function update(form) {
    var select = form.querySelector(".dp-servers__select")
    form.querySelectorAll(".dp-servers__vars").forEach(function (fieldset) {
      fieldset.hidden = fieldset.getAttribute("data-server") !== String(select.selectedIndex)
    })
    var url = current(form)
    form.querySelector(".dp-servers__url").textContent = url
    rewrite(form, defaultUrl(form), url)
    document.dispatchEvent(new CustomEvent("dp-server-change", {detail: {api: form.getAttribute("data-api"), url: url}}))
  }

  function wire() {
    document.querySelectorAll("form.dp-servers").forEach(function (form) {
      if (form.dpWired) return
      form.dpWired = true
      restore(form)
      form.addEventListener("submit", function (event) { event.preventDefault() })
      form.addEventListener("input", function () { update(form); save(form) })
      form.addEventListener("change", function () { update(form); save(form) })
      form.hidden = false
      update(form)
    })
  }

  window.devportalServers = {current: current}
  if ("document$" in window) { document$.subscribe(wire) } else { document.addEventListener("DOMContentLoaded", wire) }
})()
