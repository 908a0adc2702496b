/* The reader's experience (pdf/reader_ext.py adds this file to every page).
   Fixes, in the page, the accessible names that axe-core flags in the theme's own buttons
   (rule label-content-name-mismatch: a name must contain the text a sighted user sees):
   - the search buttons read "Search Ctrl+K" but are named "Search": let the text be the name;
   - a folded code cell's summary reads "Show code cell source" but is named "Toggle hidden content";
   - the colour-mode button carries three icons whose SVG titles ("Light", "Dark",
     "System Settings") are visible text; the button is named "Color mode": hide the icons from
     assistive technology (Font Awesome turns each <i> into an <svg> with a <title> after load,
     so this is redone whenever the button's content changes);
   and names the left sidebar as a landmark (rule region).
   It also marks the boxes that scroll sideways, so that reader.css can show that they do (see below),
   joins a cell's printed text into one box (mergeStreams), keeps punctuation on the line of the math
   before it (keepPunctuation), and cleans the search page's excerpts (fixSearchExcerpts). */
(function () {
  function fixSearch() {
    document.querySelectorAll("button.search-button-field[aria-label]").forEach(function (b) {
      b.removeAttribute("aria-label");
    });
  }
  // myst-nb's folded code cells (tag hide-input): the <summary> shows "Show code cell source" but is
  // named "Toggle hidden content"; let the visible text be the name
  function fixFolds() {
    document.querySelectorAll("details.hide > summary[aria-label]").forEach(function (s) {
      s.removeAttribute("aria-label");
    });
  }
  function fixIcons(button) {
    button.querySelectorAll(".theme-switch").forEach(function (icon) {
      icon.removeAttribute("title");
      icon.removeAttribute("aria-labelledby");
      icon.removeAttribute("role");
      icon.setAttribute("aria-hidden", "true");
      icon.querySelectorAll("title").forEach(function (t) { t.remove(); });
    });
  }
  function fixThemeSwitch() {
    document.querySelectorAll(".theme-switch-button").forEach(function (button) {
      fixIcons(button);
      if (!button.dataset.readerObserved) {
        button.dataset.readerObserved = "1";
        new MutationObserver(function () { fixIcons(button); })
          .observe(button, { childList: true, subtree: true });
      }
    });
  }
  // the left sidebar (site title and table of contents) is a plain <div>: its first item, the site's
  // title, is then outside every landmark (axe-core: region); make the sidebar a named landmark
  function fixSidebar() {
    var sidebar = document.querySelector(".bd-sidebar-primary");
    if (sidebar && !sidebar.getAttribute("role")) {
      sidebar.setAttribute("role", "complementary");
      sidebar.setAttribute("aria-label", "Book title and table of contents");
    }
  }
  // A box that scrolls sideways (a wide table, a long equation or code line, on a phone) shows that it
  // does: it gets the class reader-scrolls (reader.css: a visible scrollbar, and a fade at each edge
  // where content is hidden: reader-more-right, reader-more-left), updated as it scrolls and on resize.
  var SCROLLERS = 'mjx-container[display="true"], .table-wrapper, .pst-scrollable-table-container, ' +
    'div.highlight, .cell_output, .output, .math-wrapper, table.indextable, pre, mjx-container.reader-wide-math';
  function markScroller(el) {
    var more = el.scrollWidth > el.clientWidth + 1;
    var s = getComputedStyle(el).overflowX;
    more = more && (s === "auto" || s === "scroll");
    el.classList.toggle("reader-scrolls", more);
    el.classList.toggle("reader-more-right", more && el.scrollLeft + el.clientWidth < el.scrollWidth - 1);
    el.classList.toggle("reader-more-left", more && el.scrollLeft > 1);
    if (more && !el.dataset.readerScrollWatched) {
      el.dataset.readerScrollWatched = "1";
      el.addEventListener("scroll", function () { markScroller(el); }, { passive: true });
    }
  }
  function markScrollers() {
    document.querySelectorAll(SCROLLERS).forEach(markScroller);
  }
  var pending = null;
  function markScrollersSoon() {
    if (pending) return;
    pending = requestAnimationFrame(function () { pending = null; wideInlineMath(); markScrollers(); });
  }
  window.readerMarkScrollers = markScrollers;
  window.addEventListener("resize", markScrollersSoon);
  if (window.ResizeObserver) {
    new ResizeObserver(markScrollersSoon).observe(document.documentElement);
  }
  function afterMath() {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      MathJax.startup.promise.then(function () { keepPunctuation(); wideInlineMath(); markScrollers(); });
    }
  }
  // One box per cell for what it prints. A cell that prints while it computes may have its text stored
  // in several stream outputs (one per flush of the kernel's buffer); each became a box of its own,
  // cutting a printed table in pieces, or showing an empty box for a lone newline (chapters 2, 4, 5).
  // Adjacent outputs of the same stream are joined here, their text in order and unchanged.
  function mergeStreams() {
    document.querySelectorAll(".cell_output").forEach(function (cell) {
      var prev = null;
      Array.prototype.slice.call(cell.children).forEach(function (out) {
        var pre = out.querySelector("pre");
        var stream = /\boutput\b/.test(out.className) && /\b(stream|stderr)\b/.test(out.className);
        if (stream && pre && prev && prev.out.className === out.className) {
          Array.prototype.slice.call(pre.childNodes).forEach(function (n) {
            if (!(n.nodeType === 1 && n.tagName === "SPAN" && !n.textContent)) prev.pre.appendChild(n);
          });
          out.remove();
          return;
        }
        prev = stream && pre ? { out: out, pre: pre } : null;
      });
    });
  }
  // Inline math followed by punctuation: the browser may break the line between the two, and a line
  // then starts with the comma or full stop ("… like 1/t" / ", which …"). Keep them together.
  function keepPunctuation() {
    document.querySelectorAll('mjx-container:not([display="true"])').forEach(function (c) {
      var el = c.parentElement && c.parentElement.matches("span.math") ? c.parentElement : c;
      var next = el.nextSibling;
      if (!next || next.nodeType !== 3 || el.parentElement.classList.contains("reader-nobreak")) return;
      var m = /^[.,;:!?)\]\u2019\u201d]+/.exec(next.nodeValue);
      if (!m) return;
      var span = document.createElement("span");
      span.className = "reader-nobreak";
      el.parentNode.insertBefore(span, el);
      span.appendChild(el);
      span.appendChild(document.createTextNode(m[0]));
      next.nodeValue = next.nodeValue.slice(m[0].length);
    });
  }
  // The search page's excerpts are the text of each page as stored, before MathJax typesets it: they
  // showed "\(\alpha\)" and "\[b_t = \mu\, b_{t-1} …\]", and began with the buttons of the page's
  // header (".pdf", "Contents"). Leave out the header, the contents and the page links, and write the TeX
  // of the excerpt in the letters it stands for.
  var TEX = { alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε", eta: "η",
    theta: "θ", kappa: "κ", lambda: "λ", mu: "μ", sigma: "σ", tau: "τ", phi: "φ", varphi: "φ", rho: "ρ",
    nabla: "∇", sum: "Σ", infty: "∞", odot: "⊙", cdot: "·", times: "×", approx: "≈", le: "≤", leq: "≤",
    ge: "≥", geq: "≥", ne: "≠", neq: "≠", to: "→", rightarrow: "→", mapsto: "↦", in: "∈", top: "ᵀ",
    ldots: "…", dots: "…", cdots: "…", pm: "±", partial: "∂", sqrt: "√", star: "*", ast: "*", quad: " ",
    qquad: " ", left: "", right: "", big: "", Big: "", displaystyle: "", mathrm: "", text: "", mathbf: "" };
  function texToText(s) {
    return s.replace(/\\[()[\]]/g, "")
      .replace(/\\frac\{([^{}]*)\}\{([^{}]*)\}/g, "($1)/($2)")
      .replace(/\\(hat|bar|tilde)\{([^{}]*)\}/g, function (_, a, b) {
        return b + { hat: "\u0302", bar: "\u0304", tilde: "\u0303" }[a];
      })
      .replace(/\\([A-Za-z]+)/g, function (_, w) { return Object.prototype.hasOwnProperty.call(TEX, w) ? TEX[w] : w; })
      .replace(/\\[,;:! ]/g, " ").replace(/[{}]/g, "").replace(/ {2,}/g, " ");
  }
  function fixSearchExcerpts() {
    if (typeof Search === "undefined" || !Search.htmlToText || Search.readerWrapped) return;
    var original = Search.htmlToText;
    Search.htmlToText = function (html, anchor) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      doc.querySelectorAll(".bd-header-article, .bd-sidebar-secondary, .onlyprint, .prev-next-area, .reader-pdf-link")
        .forEach(function (e) { e.remove(); });
      return texToText(original(doc.documentElement.outerHTML, anchor));
    };
    Search.readerWrapped = true;
  }
  // A figure on a phone is shown at the column's width, whole (reader.css: max-width 100 %), never in a
  // sideways box: kept at 0.72 of its width in a box that scrolls, the right part of every wide figure
  // was out of sight (half of a three-panel figure, the last columns of a heat map). The book's figures
  // are 671 px wide (optlib.plotting, 100 dpi): at 390 px the column of about 358 px shows them at 0.53,
  // their 9-point text at 6.7 CSS px and 10-point text at 7.4 px (tests/test_phone.py checks that no
  // figure is hidden in part, nor shown below half its width).
  // Inline math wider than its line (a chain of equalities on a phone) cannot wrap: MathJax 3 does not
  // break inline formulas. Such a formula becomes a box of its own that scrolls sideways, marked like
  // every box that scrolls (class reader-scrolls: a visible scrollbar and a faded edge), instead of
  // running past the column where the article cuts it.
  // inline code of more than 28 characters may break inside (reader.css: the others stay on one line)
  function markLongCode() {
    document.querySelectorAll(".bd-article code.literal").forEach(function (c) {
      if (c.textContent.length > 28) c.classList.add("reader-long");
    });
  }
  function wideInlineMath() {
    document.querySelectorAll('.bd-article mjx-container:not([display="true"])').forEach(function (c) {
      c.classList.remove("reader-wide-math");
      var block = c.parentElement;
      while (block && getComputedStyle(block).display.indexOf("inline") === 0) block = block.parentElement;
      if (!block) return;
      var cs = getComputedStyle(block);
      var right = block.getBoundingClientRect().right - parseFloat(cs.paddingRight || 0);
      var left = block.getBoundingClientRect().left + parseFloat(cs.paddingLeft || 0);
      var r = c.getBoundingClientRect();
      if (r.width > 0 && (r.right > right + 1 || r.width > right - left + 1)) c.classList.add("reader-wide-math");
    });
  }
  window.addEventListener("resize", function () { wideInlineMath(); markScrollersSoon(); });
  function fixAll() { mergeStreams(); fixSearchExcerpts(); fixSearch(); fixFolds(); fixThemeSwitch(); fixSidebar(); markLongCode(); markScrollers(); afterMath(); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fixAll);
  } else {
    fixAll();
  }
  window.addEventListener("load", fixAll);
})();
