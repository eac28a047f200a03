/* The "Try it" console of the API reference: sends the request a reader fills in to the server chosen in
   the page's server selector (servers.js), and shows the answer and the same request as curl.

   Safety rules, all checked here at send time:
   - a request goes only to a host on the portal's allowed list (read once when the script loads, from
     #dp-tryit-config, which the build writes from the portal config, never from a spec);
   - credentials are kept in sessionStorage (this tab only), never in the URL of the page or localStorage;
   - redirects are not followed, so credentials never travel on to another host; cookies are never sent;
   - text from the spec or the server is only ever set as textContent. */
(function () {
  "use strict"
  var configElement = document.getElementById("dp-tryit-config")
  if (!configElement) return
  var CONFIG
  try { CONFIG = JSON.parse(configElement.textContent) } catch (error) { return }
  var ALLOWED = (CONFIG.allowedHosts || []).map(function (host) { return String(host).toLowerCase() })
  var PROXY = typeof CONFIG.proxy === "string" ? CONFIG.proxy : ""
  var SCHEMES = CONFIG.schemes || {}
  var STORE = "devportal.tryit:" + CONFIG.api + ":"

  /* ---- where a request may go ---- */

  function serverForm() { return document.querySelector("form.dp-servers") }

  function baseUrl() {
    var form = serverForm()
    return form && window.devportalServers ? window.devportalServers.current(form) : ""
  }

  function parseUrl(url) {
    try { return new URL(url, location.href) } catch (error) { return null }
  }

  function isAllowed(url) {
    var parsed = parseUrl(url)
    if (!parsed || (parsed.protocol !== "https:" && parsed.protocol !== "http:")) return false
    if (parsed.username || parsed.password) return false
    var host = parsed.hostname.toLowerCase()
    return ALLOWED.indexOf(host) >= 0 || (parsed.port !== "" && ALLOWED.indexOf(host + ":" + parsed.port) >= 0)
  }

  /* ---- credentials: this tab only ---- */

  function stored(scheme, part) {
    try { return sessionStorage.getItem(STORE + scheme + ":" + part) || "" } catch (error) { return "" }
  }

  function store(scheme, part, value) {
    try { sessionStorage.setItem(STORE + scheme + ":" + part, value) } catch (error) { /* storage off: this page only */ }
  }

  /* ---- JSON with the place of every value, for errors shown where they are ---- */

  function parseJson(text) {
    var at = {}, i = 0
    function fail(message) { var error = new Error(message); error.offset = i; throw error }
    function space() { while (i < text.length && " \t\r\n".indexOf(text[i]) >= 0) i++ }
    function string() {
      var start = i
      i++
      while (i < text.length && text[i] !== "\"") { if (text[i] === "\\") i++; i++ }
      if (i >= text.length) { i = start; fail("a string is not closed") }
      i++
      try { return JSON.parse(text.slice(start, i)) } catch (error) { i = start; fail("a string has an invalid escape or control character") }
    }
    function value(pointer) {
      space()
      at[pointer] = i
      var c = text[i]
      if (c === "{") {
        var object = {}
        i++; space()
        if (text[i] === "}") { i++; return object }
        for (;;) {
          space()
          if (text[i] !== "\"") fail("expected a property name in double quotes")
          var key = string()
          space()
          if (text[i] !== ":") fail("expected ':' after the property name")
          i++
          object[key] = value(pointer + "/" + key.replace(/~/g, "~0").replace(/\//g, "~1"))
          space()
          if (text[i] === ",") { i++; continue }
          if (text[i] === "}") { i++; return object }
          fail("expected ',' or '}'")
        }
      }
      if (c === "[") {
        var array = []
        i++; space()
        if (text[i] === "]") { i++; return array }
        for (;;) {
          array.push(value(pointer + "/" + array.length))
          space()
          if (text[i] === ",") { i++; continue }
          if (text[i] === "]") { i++; return array }
          fail("expected ',' or ']'")
        }
      }
      if (c === "\"") return string()
      var literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i))
      if (!literal) fail(i >= text.length ? "the text ends where a value is expected" : "unexpected character " + JSON.stringify(c))
      i += literal[0].length
      return JSON.parse(literal[0])
    }
    var result = value("")
    space()
    if (i < text.length) fail("unexpected text after the end of the JSON value")
    return {value: result, at: at}
  }

  /* ---- the JSON Schema keywords a request body usually uses ---- */

  function typeOf(value) {
    if (value === null) return "null"
    if (Array.isArray(value)) return "array"
    if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number"
    return typeof value
  }

  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b) }

  function validate(schema, value, pointer, errors) {
    if (!schema || typeof schema !== "object") return
    if (value === null && schema.nullable) return
    ;(schema.allOf || []).forEach(function (part) { validate(part, value, pointer, errors) })
    var options = schema.oneOf || schema.anyOf
    if (options && options.length) {
      var matches = options.filter(function (option) { var found = []; validate(option, value, pointer, found); return !found.length })
      if (!matches.length) errors.push({pointer: pointer, message: "matches none of the shapes the schema allows"})
    }
    if (schema.const !== undefined && !same(schema.const, value)) errors.push({pointer: pointer, message: "must be " + JSON.stringify(schema.const)})
    if (Array.isArray(schema.enum) && !schema.enum.some(function (item) { return same(item, value) })) {
      errors.push({pointer: pointer, message: "must be one of " + schema.enum.map(function (v) { return JSON.stringify(v) }).join(", ")})
    }
    var actual = typeOf(value)
    if (schema.type) {
      var types = Array.isArray(schema.type) ? schema.type : [schema.type]
      var fits = types.some(function (type) { return type === actual || (type === "number" && actual === "integer") })
      if (!fits) { errors.push({pointer: pointer, message: "must be " + types.join(" or ") + ", not " + actual}); return }
    }
    if (actual === "string") {
      if (schema.minLength !== undefined && value.length < schema.minLength) errors.push({pointer: pointer, message: "must have at least " + schema.minLength + " characters"})
      if (schema.maxLength !== undefined && value.length > schema.maxLength) errors.push({pointer: pointer, message: "must have at most " + schema.maxLength + " characters"})
      if (typeof schema.pattern === "string") {
        var pattern = null
        try { pattern = new RegExp(schema.pattern, "u") } catch (error) { pattern = null }
        if (pattern && !pattern.test(value)) errors.push({pointer: pointer, message: "must match the pattern " + schema.pattern})
      }
    }
    if (actual === "number" || actual === "integer") {
      if (typeof schema.minimum === "number" && (value < schema.minimum || (schema.exclusiveMinimum === true && value === schema.minimum))) errors.push({pointer: pointer, message: "must be at least " + schema.minimum + (schema.exclusiveMinimum === true ? " (exclusive)" : "")})
      if (typeof schema.maximum === "number" && (value > schema.maximum || (schema.exclusiveMaximum === true && value === schema.maximum))) errors.push({pointer: pointer, message: "must be at most " + schema.maximum + (schema.exclusiveMaximum === true ? " (exclusive)" : "")})
      if (typeof schema.exclusiveMinimum === "number" && value <= schema.exclusiveMinimum) errors.push({pointer: pointer, message: "must be more than " + schema.exclusiveMinimum})
      if (typeof schema.exclusiveMaximum === "number" && value >= schema.exclusiveMaximum) errors.push({pointer: pointer, message: "must be less than " + schema.exclusiveMaximum})
    }
    if (actual === "array") {
      if (schema.minItems !== undefined && value.length < schema.minItems) errors.push({pointer: pointer, message: "must have at least " + schema.minItems + " items"})
      if (schema.maxItems !== undefined && value.length > schema.maxItems) errors.push({pointer: pointer, message: "must have at most " + schema.maxItems + " items"})
      if (schema.items) value.forEach(function (item, index) { validate(schema.items, item, pointer + "/" + index, errors) })
    }
    if (actual === "object") {
      var properties = schema.properties || {}
      ;(schema.required || []).forEach(function (name) {
        if (!(name in value) && !(properties[name] && properties[name].readOnly)) errors.push({pointer: pointer, message: "needs the property " + JSON.stringify(name)})
      })
      Object.keys(value).forEach(function (name) {
        var child = pointer + "/" + name.replace(/~/g, "~0").replace(/\//g, "~1")
        if (Object.prototype.hasOwnProperty.call(properties, name)) validate(properties[name], value[name], child, errors)
        else if (schema.additionalProperties === false) errors.push({pointer: child, message: "is not a property the schema allows"})
        else if (schema.additionalProperties && typeof schema.additionalProperties === "object") validate(schema.additionalProperties, value[name], child, errors)
      })
    }
  }

  function lineAndColumn(text, offset) {
    var before = text.slice(0, offset).split("\n")
    return "line " + before.length + ", column " + (before[before.length - 1].length + 1)
  }

  /* ---- one console ---- */

  function element(tag, className, text) {
    var node = document.createElement(tag)
    if (className) node.className = className
    if (text !== undefined) node.textContent = text
    return node
  }

  function quote(text) { return "'" + String(text).split("'").join("'\\''") + "'" }

  function utf8Base64(text) {
    var bytes = new TextEncoder().encode(text), binary = ""
    bytes.forEach(function (byte) { binary += String.fromCharCode(byte) })
    return btoa(binary)
  }

  function Console(details) {
    this.details = details
    this.form = details.querySelector(".dp-tryit__form")
    this.result = details.querySelector(".dp-tryit__result")
    this.send = details.querySelector(".dp-tryit__send")
    try { this.schemas = JSON.parse(details.querySelector(".dp-tryit__schemas").textContent) } catch (error) { this.schemas = [] }
    var self = this
    this.form.addEventListener("submit", function (event) { event.preventDefault(); self.submit() })
    var media = this.form.querySelector(".dp-tryit__media")
    if (media) media.addEventListener("change", function () {
      self.form.querySelectorAll(".dp-tryit__body").forEach(function (body) { body.hidden = body.getAttribute("data-index") !== media.value })
    })
    this.form.querySelectorAll("[data-scheme]").forEach(function (input) {
      input.value = stored(input.getAttribute("data-scheme"), input.getAttribute("data-part"))
      input.addEventListener("input", function () {
        store(input.getAttribute("data-scheme"), input.getAttribute("data-part"), input.value)
        document.querySelectorAll("[data-scheme]").forEach(function (other) {
          if (other !== input && other.getAttribute("data-scheme") === input.getAttribute("data-scheme") &&
              other.getAttribute("data-part") === input.getAttribute("data-part")) other.value = input.value
        })
      })
    })
    this.form.querySelectorAll("[data-signin]").forEach(function (button) {
      button.addEventListener("click", function () { self.signIn(button.getAttribute("data-signin")) })
    })
    this.showTarget()
  }

  /* ---- OAuth2 authorization code with PKCE: the code comes back in this page's URL (removed at once),
     the token only ever from a fetch to the token URL, into sessionStorage ---- */

  function randomText() {
    var bytes = new Uint8Array(32)
    crypto.getRandomValues(bytes)
    return base64Url(bytes)
  }

  function base64Url(bytes) {
    var binary = ""
    new Uint8Array(bytes).forEach(function (byte) { binary += String.fromCharCode(byte) })
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")
  }

  Console.prototype.signIn = function (name) {
    var scheme = SCHEMES[name] || {}, self = this
    var client = this.form.querySelector("[data-scheme='" + CSS.escape(name) + "'][data-part='client']")
    this.clearErrors()
    if (!scheme.authorizationUrl || !isAllowed(scheme.authorizationUrl) || !isAllowed(scheme.tokenUrl)) {
      this.render({refused: "Sign-in is not possible here: the authorization or token URL is not on a host this portal allows."}, null)
      return
    }
    if (!client.value) { this.fieldError(client, "Required to sign in"); client.focus(); return }
    if (!window.crypto || !crypto.subtle) {
      this.render({refused: "Sign-in needs a secure page (https): paste a token instead."}, null)
      return
    }
    var verifier = randomText(), state = randomText(), redirect = location.origin + location.pathname
    crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)).then(function (digest) {
      try {
        sessionStorage.setItem(STORE + "pkce", JSON.stringify({scheme: name, verifier: verifier, state: state, redirect: redirect,
          client: client.value, anchor: self.details.closest("section") ? self.details.closest("section").id : ""}))
      } catch (error) { self.render({refused: "Sign-in needs this tab's storage (sessionStorage), which is off."}, null); return }
      var url = new URL(scheme.authorizationUrl)
      url.searchParams.set("response_type", "code")
      url.searchParams.set("client_id", client.value)
      url.searchParams.set("redirect_uri", redirect)
      url.searchParams.set("code_challenge", base64Url(digest))
      url.searchParams.set("code_challenge_method", "S256")
      url.searchParams.set("state", state)
      location.assign(url.toString())
    })
  }

  function finishSignIn() {
    var params = new URLSearchParams(location.search)
    if (!params.has("state") || !(params.has("code") || params.has("error"))) return
    var pending = null
    try { pending = JSON.parse(sessionStorage.getItem(STORE + "pkce")) } catch (error) { pending = null }
    if (!pending || pending.state !== params.get("state")) return
    try { sessionStorage.removeItem(STORE + "pkce") } catch (error) { /* nothing kept */ }
    history.replaceState(null, "", location.pathname + (pending.anchor ? "#" + pending.anchor : ""))
    var section = pending.anchor ? document.getElementById(pending.anchor) : null
    var details = section ? section.querySelector("details.dp-tryit") : null
    var target = details && details.dpConsole
    if (details) details.open = true
    function tell(message, ok) { if (target) target.render({refused: message, ok: ok}, null) }
    var scheme = SCHEMES[pending.scheme] || {}
    if (params.has("error")) { tell("Sign-in did not succeed: " + params.get("error") + "."); return }
    if (!scheme.tokenUrl || !isAllowed(scheme.tokenUrl)) { tell("Sign-in stopped: the token URL is not on an allowed host."); return }
    var body = new URLSearchParams({grant_type: "authorization_code", code: params.get("code"), redirect_uri: pending.redirect,
                                    code_verifier: pending.verifier, client_id: pending.client})
    fetch(scheme.tokenUrl, {method: "POST", body: body, mode: "cors", credentials: "omit", cache: "no-store",
                            redirect: "manual", referrerPolicy: "no-referrer"})
      .then(function (response) { return response.json().then(function (data) { return [response, data] }) })
      .then(function (pair) {
        var token = pair[1] && typeof pair[1].access_token === "string" ? pair[1].access_token : ""
        if (!pair[0].ok || !token) { tell("Sign-in did not succeed: the token URL answered " + pair[0].status + " without an access token."); return }
        store(pending.scheme, "token", token)
        document.querySelectorAll("[data-scheme][data-part='token']").forEach(function (input) {
          if (input.getAttribute("data-scheme") === pending.scheme) input.value = token
        })
        tell("Signed in: the access token is filled in below and kept in this tab only.", true)
      })
      .catch(function () { tell("Sign-in did not succeed: the token URL could not be reached or sends no CORS headers.") })
  }

  /* The operation's own server (the spec's first on an allowed host), else the one the page's selector chose. */
  Console.prototype.base = function () {
    return this.details.getAttribute("data-server") || baseUrl()
  }

  Console.prototype.showTarget = function () {
    var url = this.base()
    this.form.querySelector(".dp-tryit__server").textContent = url || "(no server)"
    var blocked = this.form.querySelector(".dp-tryit__blocked")
    var allowed = url && isAllowed(url)
    this.send.disabled = !allowed
    blocked.hidden = allowed
    blocked.textContent = ""
    if (allowed) return
    blocked.appendChild(document.createTextNode("This portal does not send requests to " + (parseUrl(url) ? parseUrl(url).host : url) +
      ". Choose a server it allows: "))
    ;(CONFIG.servers || []).forEach(function (server, index) {
      var button = element("button", "md-button dp-tryit__use", server.url)
      button.type = "button"
      button.addEventListener("click", function () {
        var select = serverForm() && serverForm().querySelector(".dp-servers__select")
        if (!select) return
        select.selectedIndex = server.index
        select.dispatchEvent(new Event("change", {bubbles: true}))
      })
      if (index) blocked.appendChild(document.createTextNode(" "))
      blocked.appendChild(button)
    })
  }

  Console.prototype.fieldError = function (input, message) {
    input.setAttribute("aria-invalid", "true")
    var note = element("span", "dp-tryit__error", message)
    note.id = input.id + "-invalid"
    input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " " + note.id).trim())
    input.parentNode.appendChild(note)
  }

  Console.prototype.clearErrors = function () {
    this.form.querySelectorAll("[aria-invalid]").forEach(function (input) {
      input.removeAttribute("aria-invalid")
      var note = document.getElementById(input.id + "-invalid")
      if (note) note.remove()
      var describedBy = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (id) { return id && id !== input.id + "-invalid" })
      if (describedBy.length) input.setAttribute("aria-describedby", describedBy.join(" ")); else input.removeAttribute("aria-describedby")
    })
    this.form.querySelectorAll("p.dp-tryit__error").forEach(function (note) { note.textContent = "" })
  }

  /* The request as the form describes it, or null (the problems are shown at their fields). */
  Console.prototype.build = function () {
    var self = this, ok = true, firstBad = null
    var path = this.details.getAttribute("data-path")
    var query = [], headers = [], cookies = []
    this.form.querySelectorAll("[data-param]").forEach(function (input) {
      var name = input.getAttribute("data-param"), where = input.getAttribute("data-in"), value = input.value
      if (value === "") {
        if (input.hasAttribute("data-required")) { self.fieldError(input, "Required"); ok = false; firstBad = firstBad || input }
        return
      }
      var type = input.getAttribute("data-type")
      if ((type === "integer" && !/^-?\d+$/.test(value)) || (type === "number" && !isFinite(Number(value)))) {
        self.fieldError(input, "Must be " + (type === "integer" ? "a whole number" : "a number")); ok = false; firstBad = firstBad || input
        return
      }
      var values = type === "array" ? value.split(",").map(function (v) { return v.trim() }) : [value]
      if (where === "path") path = path.split("{" + name + "}").join(values.map(encodeURIComponent).join(","))
      else if (where === "query") values.forEach(function (v) { query.push([name, v]) })
      else if (where === "header") headers.push([name, values.join(",")])
      else if (where === "cookie") cookies.push([name, values.join(",")])
    })
    var body = null, bodyText = null, curlBody = [], contentType = null
    var section = Array.prototype.find.call(this.form.querySelectorAll(".dp-tryit__body"), function (b) { return !b.hidden })
    if (section) {
      var kind = section.getAttribute("data-kind"), mediaType = section.getAttribute("data-type")
      if (kind === "json" || kind === "text") {
        var editor = section.querySelector("textarea"), text = editor.value
        if (text.trim() !== "") {
          if (kind === "json") {
            var problem = this.checkJson(editor, this.schemas[Number(section.getAttribute("data-index"))])
            if (problem) { ok = false; firstBad = firstBad || editor }
          }
          body = bodyText = text; contentType = mediaType
          curlBody.push("--data " + quote(text))
        }
      } else if (kind === "file") {
        var file = section.querySelector("[data-file]").files[0]
        if (file) { body = file; contentType = mediaType; curlBody.push("--data-binary " + quote("@" + file.name)) }
      } else if (kind === "multipart") {
        var data = new FormData()
        section.querySelectorAll("[data-field]").forEach(function (input) {
          var name = input.getAttribute("data-field")
          if (input.hasAttribute("data-file")) {
            if (input.files[0]) { data.append(name, input.files[0]); curlBody.push("-F " + quote(name + "=@" + input.files[0].name)) }
          } else if (input.value !== "") { data.append(name, input.value); curlBody.push("-F " + quote(name + "=" + input.value)) }
        })
        body = data
      } else if (kind === "form") {
        var params = new URLSearchParams()
        section.querySelectorAll("[data-field]").forEach(function (input) { if (input.value !== "") params.append(input.getAttribute("data-field"), input.value) })
        body = bodyText = params.toString(); contentType = mediaType
        curlBody.push("--data " + quote(bodyText))
      }
    }
    var authHeaders = []
    this.form.querySelectorAll("[data-scheme]").forEach(function (input) {
      var scheme = SCHEMES[input.getAttribute("data-scheme")] || {}, part = input.getAttribute("data-part")
      if (input.value === "") return
      if (scheme.type === "apiKey") {
        if (scheme.in === "query") query.push([scheme.name, input.value])
        else if (scheme.in === "cookie") cookies.push([scheme.name, input.value])
        else authHeaders.push([scheme.name, input.value])
      } else if (part === "token") {
        authHeaders.push(["Authorization", "Bearer " + input.value])
      } else if (part === "user" || part === "password") {
        var scope = input.closest("fieldset")
        var user = scope.querySelector("[data-scheme='" + CSS.escape(input.getAttribute("data-scheme")) + "'][data-part='user']")
        var password = scope.querySelector("[data-scheme='" + CSS.escape(input.getAttribute("data-scheme")) + "'][data-part='password']")
        var header = "Basic " + utf8Base64((user ? user.value : "") + ":" + (password ? password.value : ""))
        if (!authHeaders.some(function (h) { return h[0] === "Authorization" && h[1] === header })) authHeaders.push(["Authorization", header])
      }
    })
    if (!ok) { if (firstBad) firstBad.focus(); return null }
    var search = new URLSearchParams()
    query.forEach(function (pair) { search.append(pair[0], pair[1]) })
    var url = this.base() + path + (query.length ? "?" + search.toString() : "")
    var allHeaders = headers.concat(authHeaders)
    if (contentType) allHeaders.push(["Content-Type", contentType])
    var curl = ["curl -X " + this.details.getAttribute("data-method") + " " + quote(url)]
    allHeaders.forEach(function (h) { curl.push("-H " + quote(h[0] + ": " + h[1])) })
    if (cookies.length) curl.push("--cookie " + quote(cookies.map(function (c) { return c[0] + "=" + c[1] }).join("; ")))
    return {url: url, method: this.details.getAttribute("data-method"), headers: allHeaders, body: body,
            cookies: cookies, curl: curl.concat(curlBody).join(" \\\n  ")}
  }

  Console.prototype.checkJson = function (editor, schema) {
    var note = document.getElementById(editor.id + "-error"), text = editor.value, parsed
    try { parsed = parseJson(text) } catch (error) {
      this.markJson(editor, note, error.offset, "Not valid JSON at " + lineAndColumn(text, error.offset) + ": " + error.message + ".")
      return true
    }
    var errors = []
    validate(schema, parsed.value, "", errors)
    if (!errors.length) return false
    var first = errors[0], offset = parsed.at[first.pointer] || 0
    this.markJson(editor, note, offset, errors.slice(0, 3).map(function (e) {
      return "At " + lineAndColumn(text, parsed.at[e.pointer] || 0) + " (" + (e.pointer || "the body") + "): " + e.message + "."
    }).join(" ") + (errors.length > 3 ? " And " + (errors.length - 3) + " more." : ""))
    return true
  }

  Console.prototype.markJson = function (editor, note, offset, message) {
    editor.setAttribute("aria-invalid", "true")
    note.textContent = message
    editor.focus()
    editor.setSelectionRange(offset, Math.min(editor.value.length, offset + 1))
  }

  Console.prototype.submit = function () {
    this.clearErrors()
    var request = this.build()
    if (!request) return
    // At send time, whatever the page shows: only an allowed host, only http(s).
    if (!isAllowed(request.url)) {
      this.showTarget()
      this.render({refused: "Not sent: " + ((parseUrl(request.url) || {}).host || request.url) + " is not a host this portal allows requests to."}, request)
      return
    }
    var headers = new Headers()
    var bad = null
    request.headers.forEach(function (h) { try { headers.append(h[0], h[1]) } catch (error) { bad = h[0] } })
    if (bad) { this.render({refused: "Not sent: the header " + bad + " has a value a browser cannot send (use plain text)."}, request); return }
    var self = this, started = performance.now()
    this.send.disabled = true
    this.result.textContent = ""
    this.result.appendChild(element("p", "dp-tryit__status", "Sending…"))
    fetch(PROXY ? PROXY + request.url : request.url, {method: request.method, headers: headers, body: request.body,
      mode: "cors", credentials: "omit", cache: "no-store", redirect: "manual", referrerPolicy: "no-referrer"})
      .then(function (response) {
        var elapsed = Math.round(performance.now() - started)
        if (response.type === "opaqueredirect") {
          self.render({refused: "The server answered with a redirect. The console does not follow redirects, so your credentials go to the chosen server only; the curl command below shows the request (add -L to follow)."}, request)
          return
        }
        return response.text().then(function (text) { self.render({response: response, text: text, time: elapsed}, request) })
      })
      .catch(function (error) {
        var target = parseUrl(request.url)
        var mixed = location.protocol === "https:" && target && target.protocol === "http:"
        self.render({refused: mixed
          ? "Not sent: this page is served over https and the server is http, which browsers block (mixed content). Use an https server, or the curl command below."
          : "No answer could be read from " + (target ? target.origin : request.url) + ". Either the server is unreachable from your network (down, wrong address, VPN, untrusted certificate), or it does not allow calls from this page: a browser only shows the answer when the server sends CORS headers (Access-Control-Allow-Origin for " + location.origin + ", and an answer to the preflight OPTIONS request for the headers you send). The curl command below sends the same request from a terminal, where CORS does not apply." + (PROXY ? "" : " Portal owners can set a proxy for APIs without CORS (try_it.proxy).") + " (" + error.message + ")"}, request)
      })
      .finally(function () { self.showTarget() })
  }

  function prettyBody(text, type) {
    if (/json/i.test(type)) { try { return JSON.stringify(JSON.parse(text), null, 2) } catch (error) { return text } }
    if (/xml|html/i.test(type)) return text.replace(/>\s*</g, ">\n<")
    return text
  }

  Console.prototype.render = function (outcome, request) {
    var result = this.result
    result.textContent = ""
    if (outcome.refused) {
      result.appendChild(element("p", "dp-tryit__status" + (outcome.ok ? "" : " dp-tryit__status--failed"), outcome.refused))
    } else {
      var response = outcome.response
      var status = element("p", "dp-tryit__status dp-tryit__status--" + String(response.status).charAt(0),
                           "Status " + response.status + (response.statusText ? " " + response.statusText : "") + " · " + outcome.time + " ms")
      result.appendChild(status)
      var headerLines = []
      response.headers.forEach(function (value, name) { headerLines.push(name + ": " + value) })
      var headersBox = element("details", "dp-tryit__headers")
      headersBox.appendChild(element("summary", null, "Response headers (" + headerLines.length + ")"))
      headersBox.appendChild(element("pre", null, headerLines.join("\n") + "\n(A browser shows only the headers the server exposes to pages.)"))
      result.appendChild(headersBox)
      var type = response.headers.get("content-type") || ""
      result.appendChild(element("p", "dp-tryit__label", "Response body" + (type ? " (" + type + ")" : "")))
      var body = element("pre", "dp-tryit__body-out")
      body.appendChild(element("code", null, outcome.text === "" ? "(empty)" : prettyBody(outcome.text, type)))
      body.tabIndex = 0
      result.appendChild(body)
    }
    if (!request) return
    if (request.cookies.length) result.appendChild(element("p", "dp-tryit__hint", "Cookies are not sent from this page (browsers do not let a page set them for another site): the curl command includes them."))
    result.appendChild(element("p", "dp-tryit__label", "The same request with curl"))
    var curl = element("pre", "dp-tryit__curl")
    curl.appendChild(element("code", "language-bash", request.curl))
    curl.tabIndex = 0
    result.appendChild(curl)
  }

  function wire() {
    var consoles = []
    document.querySelectorAll("details.dp-tryit").forEach(function (details) {
      if (details.dpConsole) return
      details.dpConsole = new Console(details)
      consoles.push(details.dpConsole)
    })
    finishSignIn()
    document.addEventListener("dp-server-change", function () {
      document.querySelectorAll("details.dp-tryit").forEach(function (details) { if (details.dpConsole) details.dpConsole.showTarget() })
    })
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", wire); else wire()
})()
