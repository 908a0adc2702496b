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
   It also marks the boxes that scroll sideways, so that reader.css can show that they do (see below). */
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
    'div.highlight, .cell_output, .output, .math-wrapper, table.indextable, pre';
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
    pending = requestAnimationFrame(function () { pending = null; markScrollers(); });
  }
  window.readerMarkScrollers = markScrollers;
  window.addEventListener("resize", markScrollersSoon);
  if (window.ResizeObserver) {
    new ResizeObserver(markScrollersSoon).observe(document.documentElement);
  }
  function afterMath() {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      MathJax.startup.promise.then(markScrollers);
    }
  }
  function fixAll() { fixSearch(); fixFolds(); fixThemeSwitch(); fixSidebar(); markScrollers(); afterMath(); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fixAll);
  } else {
    fixAll();
  }
  window.addEventListener("load", fixAll);
})();
