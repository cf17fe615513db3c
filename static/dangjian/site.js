// Small behaviours without inline script (the CSP forbids it).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });
});

// A button that prints the page (the printable transfer letter).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () {
      window.print();
    });
  });
});

// Tables in a .table-responsive wrapper become label–value cards on a phone (site.css): each
// cell is labelled with its column's heading. A table marked .table-nostack keeps scrolling.
(function () {
  function stackTables(root) {
    root.querySelectorAll(".table-responsive > table.table:not(.table-nostack)").forEach(function (table) {
      var heads = table.querySelectorAll("thead tr:first-child > th");
      if (!heads.length) {
        return;
      }
      var labels = Array.prototype.map.call(heads, function (th) {
        return th.textContent.trim();
      });
      // A heading marked .col-optional is a low-priority column: left out of the phone's cards.
      var optional = Array.prototype.map.call(heads, function (th) {
        return th.classList.contains("col-optional");
      });
      table.classList.add("table-stack");
      table.querySelectorAll("tbody tr").forEach(function (row) {
        var index = 0;
        Array.prototype.forEach.call(row.children, function (cell) {
          var label = labels[index];
          if (label && !cell.hasAttribute("colspan") && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", label);
          }
          if (optional[index] && !cell.hasAttribute("colspan")) {
            cell.classList.add("col-optional");
          }
          index += cell.colSpan || 1;
        });
      });
    });
  }
  // A wrapper that still scrolls sideways (a long code in a card) must be reachable by keyboard.
  function focusableScrollers(root) {
    root.querySelectorAll(".table-responsive").forEach(function (wrapper) {
      if (wrapper.scrollWidth > wrapper.clientWidth && !wrapper.hasAttribute("tabindex")) {
        wrapper.setAttribute("tabindex", "0");
        wrapper.setAttribute("role", "region");
        wrapper.setAttribute("aria-label", "表格（可左右滚动）");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    stackTables(document);
    focusableScrollers(document);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    stackTables(event.target.parentNode || document);
    focusableScrollers(event.target.parentNode || document);
  });
})();
