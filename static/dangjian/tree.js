// The organisation tree: expand and collapse a node (its children load once, by htmx),
// "全部展开" loads a node's whole subtree, and a search hit opened by ?open= is scrolled to.
(function () {
  function setOpen(list, open) {
    list.hidden = !open;
    var toggle = document.querySelector('[data-tree-toggle][aria-controls="' + list.id + '"]');
    if (toggle) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      toggle.textContent = open ? "−" : "+";
      toggle.setAttribute("aria-label", (open ? "收起" : "展开") + toggle.getAttribute("data-name"));
    }
  }

  function load(list, url) {
    list.setAttribute("aria-busy", "true");
    return window.htmx.ajax("GET", url, { target: list, swap: "innerHTML" }).then(function () {
      list.dataset.loaded = "1";
      list.removeAttribute("aria-busy");
      setOpen(list, true);
    });
  }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-tree-toggle]");
    if (toggle) {
      var list = document.getElementById(toggle.getAttribute("aria-controls"));
      if (list.dataset.loaded === "1") {
        setOpen(list, list.hidden);
      } else {
        load(list, toggle.getAttribute("data-tree-toggle"));
      }
      return;
    }
    var all = event.target.closest("[data-tree-all]");
    if (all) {
      load(document.getElementById(all.getAttribute("aria-controls")), all.getAttribute("data-tree-all"));
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var hit = document.querySelector(".tree-hit");
    if (hit) {
      hit.scrollIntoView({ block: "center" });
    }
  });
})();
