/* The reader's experience (pdf/reader_ext.py adds this file to every page).
   Fixes, in the page, the accessible names that axe-core flags in the theme's own buttons
   (rule label-content-name-mismatch: a name must contain the text a sighted user sees):
   - the search buttons read "Search Ctrl+K" but are named "Search": let the text be the name;
   - the colour-mode button carries three icons whose SVG titles ("Light", "Dark",
     "System Settings") are visible text; the button is named "Color mode": hide the icons from
     assistive technology (Font Awesome turns each <i> into an <svg> with a <title> after load,
     so this is redone whenever the button's content changes);
   and names the left sidebar as a landmark (rule region). */
(function () {
  function fixSearch() {
    document.querySelectorAll("button.search-button-field[aria-label]").forEach(function (b) {
      b.removeAttribute("aria-label");
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
  function fixAll() { fixSearch(); fixThemeSwitch(); fixSidebar(); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fixAll);
  } else {
    fixAll();
  }
  window.addEventListener("load", fixAll);
})();
