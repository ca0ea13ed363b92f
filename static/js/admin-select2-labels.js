// Django admin's autocomplete fields (select2) draw a box of their own over the <select>, and
// that box has no accessible name when nothing is chosen; in a multiple choice, its search
// field has none at all (axe `aria-input-field-name`, `label`). Give each the text of the
// field's own <label>. Select2 rebuilds its search field whenever the choice changes, so this
// runs again on any change under the page's body.
(function () {
  "use strict";

  function fieldLabel(select) {
    var label = select.id && document.querySelector('label[for="' + select.id + '"]');
    if (label && !label.id) {
      label.id = select.id + "-label";
    }
    return label;
  }

  function nameBoxes() {
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var label = fieldLabel(select);
      var box = select.nextElementSibling;
      if (!label || !box || !box.classList.contains("select2")) {
        return;
      }
      var name = label.textContent.replace(/:\s*$/, "").trim();
      box.querySelectorAll(".select2-selection").forEach(function (selection) {
        // Its own aria-labelledby names only the choice shown, which may be empty: the field's
        // label goes first.
        var ids = (selection.getAttribute("aria-labelledby") || "").split(/\s+/).filter(function (id) {
          return id && id !== label.id;
        });
        var wanted = [label.id].concat(ids).join(" ");
        if (selection.getAttribute("aria-labelledby") !== wanted) {
          selection.setAttribute("aria-labelledby", wanted);
        }
      });
      // A single choice shows it in a read-only textbox of its own, named by the label too.
      box.querySelectorAll('.select2-selection__rendered[role="textbox"]').forEach(function (shown) {
        if (shown.getAttribute("aria-labelledby") !== label.id) {
          shown.setAttribute("aria-labelledby", label.id);
        }
      });
      box.querySelectorAll(".select2-search__field").forEach(function (input) {
        if (input.getAttribute("aria-label") !== name) {
          input.setAttribute("aria-label", name);
        }
      });
    });
  }

  function start() {
    nameBoxes();
    new MutationObserver(nameBoxes).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
