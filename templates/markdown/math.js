// Renders the math of pages written for GitHub (pymdownx.arithmatex, generic mode) with KaTeX, served from
// the portal itself. KaTeX (270 kB and its fonts) is fetched only by pages that have math.
(function () {
  "use strict";
  var base = document.currentScript.src.replace(/math\.js(\?.*)?$/, "katex/");
  var loading = null;

  function load() {
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var css = document.createElement("link");
        css.rel = "stylesheet";
        css.href = base + "katex.min.css";
        document.head.appendChild(css);
        var script = document.createElement("script");
        script.src = base + "katex.min.js";
        script.onload = resolve;
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  function render() {
    var nodes = document.querySelectorAll(".arithmatex:not([data-math-rendered])");
    if (!nodes.length) return;
    load().then(function () {
      nodes.forEach(function (node) {
        var display = node.tagName === "DIV";
        var tex = node.textContent.trim().replace(display ? /^\\\[|\\\]$/g : /^\\\(|\\\)$/g, "");
        window.katex.render(tex, node, {displayMode: display, throwOnError: false});
        node.setAttribute("data-math-rendered", "");
      });
    });
  }

  if (window.document$) {
    window.document$.subscribe(render);  // Material's instant navigation: each page it loads
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", render);
  } else {
    render();
  }
})();
