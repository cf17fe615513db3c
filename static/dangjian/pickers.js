// Searchable pickers (tom-select, vendored under static/vendor/tom-select/): a <select
// data-picker="remote" data-picker-url="..."> is filled from the platform's scoped JSON search
// (only what the user may choose comes back); data-picker="local" searches the options the page
// already rendered. The <select> stays the form's field, so the form posts as before.
(function () {
  function escape(text) {
    var span = document.createElement("span");
    span.textContent = text == null ? "" : String(text);
    return span.innerHTML;
  }

  function remoteOptions(select) {
    var url = select.getAttribute("data-picker-url");
    return {
      valueField: "value",
      labelField: "text",
      searchField: ["text", "hint"],
      preload: "focus",
      loadThrottle: 250,
      shouldLoad: function () {
        return true;
      },
      load: function (query, callback) {
        var join = url.indexOf("?") === -1 ? "?" : "&";
        fetch(url + join + "q=" + encodeURIComponent(query), {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
          .then(function (response) {
            return response.ok ? response.json() : { results: [] };
          })
          .then(function (json) {
            callback(json.results);
          })
          .catch(function () {
            callback();
          });
      },
    };
  }

  function enhance(select) {
    if (select.tomselect) {
      return;
    }
    var options = {
      allowEmptyOption: true,
      maxOptions: 100,
      placeholder: select.getAttribute("data-picker-placeholder") || "输入名称搜索",
      render: {
        option: function (data) {
          var hint = data.hint ? ' <small class="text-muted">' + escape(data.hint) + "</small>" : "";
          return "<div>" + escape(data.text) + hint + "</div>";
        },
        item: function (data) {
          return "<div>" + escape(data.text) + "</div>";
        },
        no_results: function () {
          return '<div class="no-results">没有匹配的结果</div>';
        },
        loading: function () {
          return '<div class="spinner-border spinner-border-sm m-2" role="status"><span class="visually-hidden">正在加载</span></div>';
        },
      },
    };
    if (select.getAttribute("data-picker") === "remote") {
      Object.assign(options, remoteOptions(select));
    }
    // tom-select moves the <label for> onto its own input; the hidden original keeps its name
    // for assistive technology through aria-label.
    var label = select.labels && select.labels.length ? select.labels[0].textContent.trim() : "";
    if (label && !select.getAttribute("aria-label")) {
      select.setAttribute("aria-label", label);
    }
    var picker = new window.TomSelect(select, options);
    var go = select.getAttribute("data-picker-go");
    if (go) {
      // A finder, not a form field: choosing a record opens its page ("/members/0/" → its id).
      picker.on("change", function (value) {
        if (value) {
          window.location.assign(go.replace("/0/", "/" + encodeURIComponent(value) + "/"));
        }
      });
    }
  }

  function enhanceAll(root) {
    root.querySelectorAll("select[data-picker]").forEach(enhance);
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhanceAll(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    enhanceAll(event.target);
  });
})();
