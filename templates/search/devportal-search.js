// The header's search box, answered by Pagefind (https://pagefind.app) in Material's result markup.
// The index is made of a few bundles, each holding some of the site's folders, so that a rebuild indexes again
// only the bundle of a page that changed; `bundles.json` names them. The first is loaded as Pagefind's own and
// the others merged into it (one wasm, one ranking of all results). They are loaded once the page is idle after
// it loaded, or on the first focus of the box if that comes first, so the first query does not wait for them;
// the browser caches them for every other page. Each query then loads only the index chunks and page fragments
// it needs. Each bundle scores its pages with its own statistics; the results of all are ranked again with the
// whole site's (see `ranked`). Result text is inserted as text: only <mark> elements are created here. A page
// kept open while the site is published again reads the new index: each query checks the list of bundles (a
// conditional request, it names a digest of each bundle's entry) while its pages load, and starts over from the
// new list when it changed or a part of the old index is gone.
const root = document.querySelector("[data-dp-search]");
const input = root && root.querySelector(".md-search__input");
const toggle = document.getElementById("__search");
const meta = root && root.querySelector(".md-search-result__meta");
const list = root && root.querySelector(".md-search-result__list");
const SEARCH_ANCHOR = "dp-search-"; // the reference's searchable headings: their ids, minus this, are the operations'
const STOP_WORDS = new Set((root && root.dataset.dpStopWords || "").split(" ").filter(Boolean));
const PAGES = 10; // the best pages whose sections are ranked
const SHOWN = 10;
let pagefind = null;
let manifest = null; // the list of bundles Pagefind read, as text: a new build of the site changes it
let owners = null; // a page's id in Pagefind's results → the index of its bundle in the list
let sizes = []; // per bundle, its pages per language
let latest = 0;
let searching = Promise.resolve(); // settles when the search under way is done

function bundleUrl(path) {
  return new URL(root.dataset.dpBundle + path, location.href).href;
}

function readManifest() {
  // A conditional request: the browser's copy, unless the server has a newer one.
  return fetch(bundleUrl("bundles.json"), { cache: "no-cache" })
    .then(response => response.ok ? response.text() : null, () => null);
}

function load() {
  if (!pagefind) {
    pagefind = (async () => {
      manifest = await readManifest(); // before Pagefind reads it: a build in between makes one restart, not none
      const bundles = manifest === null ? [] : JSON.parse(manifest).bundles;
      if (!bundles.length) {
        throw new Error("no search index");
      }
      owners = new Map();
      sizes = bundles.map((bundle, index) => {
        const counts = {};
        for (const [language, pages] of Object.entries(bundle.pages || {})) {
          counts[language] = pages.length;
          for (const page of pages) {
            owners.set(`${language}_${page}`, index);
          }
        }
        return counts;
      });
      const module = await import(bundleUrl(bundles[0].path + "pagefind.js"));
      const options = { baseUrl: new URL(root.dataset.dpBase, location.href).pathname, excerptLength: 24 };
      await module.options(options);
      module.init();
      await Promise.all(bundles.slice(1).map(bundle => module.mergeIndex(bundleUrl(bundle.path), options)));
      return module;
    })().catch(failure => {
      pagefind = null; // offline or not indexed: the next keystroke tries again
      meta.textContent = meta.dataset.dpNone;
      throw failure;
    });
  }
  return pagefind;
}

function url(href) {
  const hash = href.indexOf("#" + SEARCH_ANCHOR);
  return hash < 0 ? href : href.slice(0, hash + 1) + href.slice(hash + 1 + SEARCH_ANCHOR.length);
}

function excerpt(html) {
  // Pagefind's excerpt is text with <mark> around the matches: keep the text and the marks, nothing else.
  const paragraph = document.createElement("p");
  const parsed = new DOMParser().parseFromString(`<p>${html}</p>`, "text/html").body.firstChild;
  for (const node of parsed ? parsed.childNodes : []) {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      paragraph.append(mark);
    } else {
      paragraph.append(node.textContent);
    }
  }
  return paragraph;
}

function score(section) {
  return section.weighted_locations.reduce((sum, location) => sum + location.balanced_score, 0);
}

function sections(pages) {
  // Pagefind ranks pages; a reader looks for an operation or a section. Every matching section of the best
  // pages (an operation's heading on a reference page) is ranked on its own matches, headings weighing most.
  const found = [];
  for (const page of pages) {
    // An older API version's pages weigh less (`search_weight` meta): the current version comes first.
    const weight = Number(page.meta.search_weight || 1);
    for (const section of page.sub_results) {
      found.push({ url: url(section.url), title: section.title, excerpt: section.excerpt,
                   score: score(section) * weight,
                   page: section.url === page.url ? null : page.meta.title });
    }
    if (!page.sub_results.length) {
      found.push({ url: page.url, title: page.meta.title, excerpt: page.excerpt, score: 0, page: null });
    }
  }
  return found.sort((a, b) => b.score - a.score).slice(0, SHOWN);
}

function item(section) {
  const li = document.createElement("li");
  li.className = "md-search-result__item";
  const link = document.createElement("a");
  link.className = "md-search-result__link";
  link.href = section.url;
  link.tabIndex = -1;
  const article = document.createElement("article");
  article.className = "md-search-result__article md-typeset";
  const title = document.createElement("h1");
  title.textContent = section.title;
  article.append(title);
  if (section.page && section.page !== section.title) {
    const where = document.createElement("nav");
    where.className = "md-search-result__terms";
    where.textContent = section.page;
    article.append(where);
  }
  if (section.excerpt) {
    article.append(excerpt(section.excerpt));
  }
  link.append(article);
  li.append(link);
  return li;
}

function terms(text) {
  // Stop words ("a", "the") match as prefixes of most words and bury what the reader asked for; "get" is kept.
  const words = text.trim().split(/\s+/);
  const kept = words.filter(word => !STOP_WORDS.has(word.toLowerCase()));
  return (kept.length ? kept : words).join(" ");
}

function idf(pages, matching) {
  // How rare a word is among `pages`, of which `matching` hold it: the inverse document frequency Pagefind
  // scores with (BM25's, kept positive).
  return Math.log((pages - matching + 0.5) / (matching + 0.5) + 1);
}

function language(id) {
  return id.slice(0, id.lastIndexOf("_"));
}

async function ranked(module, query, results) {
  // Pagefind scores a bundle's pages with the bundle's statistics: a word in many of its pages weighs little
  // there and much in a bundle where it is rare, so merged results come in another order than from one index
  // of the whole site. Each result's score is brought to the site's statistics: multiplied, for its bundle, by
  // the query's words' rarity over the whole site divided by their rarity over the bundle (a word's pages in
  // each bundle counted in its results for the word alone). Measured in this box on the corpus portal (two
  // bundles): 20 of 20 queries then had one index's first result (18 before), 18 its first three links (13).
  if (sizes.length < 2 || results.length < 2 || !owners) {
    return results;
  }
  const words = [...new Set(query.toLowerCase().split(/\s+/).filter(Boolean))];
  const lang = language(results[0].id);
  const counted = await Promise.all(words.map(word =>
    words.length === 1 ? results : module.search(word).then(found => found.results)));
  const pages = sizes.map(counts => counts[lang] || 0);
  const site = pages.reduce((sum, count) => sum + count, 0);
  const local = sizes.map(() => 0);
  let global = 0;
  for (const found of counted) {
    const matching = sizes.map(() => 0);
    for (const result of found) {
      const bundle = owners.get(result.id);
      if (bundle !== undefined && language(result.id) === lang) {
        matching[bundle] += 1;
      }
    }
    const total = matching.reduce((sum, count) => sum + count, 0);
    if (total === 0) {
      continue; // a word no page holds (as Pagefind reads it alone) adds to no page's score
    }
    global += idf(site, total);
    matching.forEach((count, bundle) => { local[bundle] += idf(pages[bundle], count); });
  }
  const factor = local.map(rarity => rarity > 0 ? global / rarity : 1);
  return results
    .map((result, order) => ({ result, order, score: result.score * (factor[owners.get(result.id)] ?? 1) }))
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .map(entry => entry.result);
}

async function current() {
  // Whether the index Pagefind read is still the site's. A new build of the site (CI on merge, a rebuild under
  // `serve`, with this page open) replaces bundles whole: the parts an old entry names are then gone, or hold
  // other pages. Unknown (offline) counts as current.
  const now = await readManifest();
  return now === null || manifest === null || now === manifest;
}

async function restart() {
  // Pagefind reads the site's index again, from its new list of bundles.
  const module = pagefind && await pagefind.catch(() => null);
  pagefind = null;
  manifest = null;
  owners = null;
  if (module) {
    await module.destroy();
  }
}

async function answer(query, ticket) {
  // The results of `query` and their best pages; undefined when a later keystroke superseded it, null when
  // the index Pagefind read is no longer the site's. The index is checked while the pages load: an unchanged
  // site costs the answer no time.
  const module = await load();
  // One search at a time, with no delay: a keystroke made while one runs waits for it, and of the keystrokes
  // made meanwhile only the last searches. (A debounce of 120 ms made every answer wait that long after the
  // last keystroke; searching as one types also loads the index chunks of the word before it is complete.)
  const before = searching;
  let finished;
  searching = new Promise(resolve => { finished = resolve; });
  let searched;
  try {
    await before;
    if (ticket !== latest) {
      return undefined;
    }
    searched = query ? await module.search(query) : { results: [] };
  } finally {
    finished();
  }
  if (ticket !== latest) {
    return undefined;
  }
  const found = { ...searched, results: await ranked(module, query, searched.results) };
  if (ticket !== latest) {
    return undefined;
  }
  const [pages, same] = await Promise.all([
    Promise.all(found.results.slice(0, PAGES).map(result => result.data())).catch(() => null),
    query ? current() : true]);
  return pages === null || !same ? null : { found, pages };
}

async function search(_event, retried = false) {
  const typed = input.value;
  const ticket = ++latest;
  let result = await answer(terms(typed), ticket).catch(() => null);
  if (ticket !== latest || result === undefined) {
    return; // a later keystroke superseded this query
  }
  if (result === null) {
    if (!retried) {
      await restart();
      return ticket === latest ? search(_event, true) : undefined; // once, on the new index
    }
    result = { found: { results: [] }, pages: [] };
  }
  const { found, pages } = result;
  const count = found.results.length;
  meta.textContent = count === 0 ? meta.dataset.dpNone
    : count === 1 ? meta.dataset.dpOne : meta.dataset.dpOther.replace("#", String(count));
  list.replaceChildren(...sections(pages).map(item));
  list.dataset.dpAnswers = typed; // what the results shown answer (the box may already hold more)
}

if (root && input && toggle) {
  const idle = window.requestIdleCallback || (callback => setTimeout(callback, 200));
  const preload = () => idle(() => load().catch(() => {})); // if it fails, the first focus tries again
  if (document.readyState === "complete") {
    preload();
  } else {
    addEventListener("load", preload, { once: true });
  }
  input.addEventListener("focus", () => {
    toggle.checked = true;
    load();
  });
  input.addEventListener("input", search);
  toggle.addEventListener("change", () => {
    if (toggle.checked) {
      input.focus();
    }
  });
  root.querySelector("form").addEventListener("submit", event => event.preventDefault()); // Enter opens a result
  root.querySelector("form").addEventListener("reset", () => {
    input.value = "";
    search();
  });
  document.addEventListener("keydown", event => {
    const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement
      || (event.target instanceof HTMLElement && event.target.isContentEditable);
    const links = [...list.querySelectorAll(".md-search-result__link")];
    const at = links.indexOf(document.activeElement);
    if (event.key === "Escape" && toggle.checked) {
      toggle.checked = false;
      input.blur();
    } else if (["/", "s", "f"].includes(event.key) && !toggle.checked && !typing && !event.ctrlKey && !event.metaKey
               && !event.altKey) {
      event.preventDefault(); // as Material's own search: these keys open it
      event.stopImmediatePropagation();
      toggle.checked = true;
      input.focus();
    } else if (toggle.checked && (event.key === "ArrowDown" || event.key === "ArrowUp") && links.length) {
      event.preventDefault();
      const next = event.key === "ArrowDown" ? Math.min(at + 1, links.length - 1) : at - 1;
      (next < 0 ? input : links[next]).focus();
    } else if (toggle.checked && event.key === "Enter" && document.activeElement === input && links.length) {
      event.preventDefault();
      links[0].click();
    }
  }, true);
}
