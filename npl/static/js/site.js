// Site-wide behaviour, loaded as a file because the CSP forbids inline scripts.
// A form with data-confirm asks before it is sent (revealing a full ID number is logged).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// The menu's groups are <details> (they open without script); with script, opening one closes the others and
// a click elsewhere closes them, as a menu bar does.
document.addEventListener("click", function (event) {
  var groups = document.querySelectorAll(".menu details[open]");
  for (var i = 0; i < groups.length; i++) {
    if (!groups[i].contains(event.target)) {
      groups[i].removeAttribute("open");
    }
  }
});

// Tables written by hand in templates get their cells' column names (data-label), so on a phone a list too
// wide for the screen reads as cards (site.css `table.cards`); one that fits stays a table.
document.addEventListener("DOMContentLoaded", function () {
  var tables = document.querySelectorAll("table.table");
  for (var t = 0; t < tables.length; t++) {
    var table = tables[t];
    var heads = table.tHead && table.tHead.rows.length === 1 ? table.tHead.rows[0].cells : null;
    if (table.classList.contains("cards") || !heads || heads.length < 3 || table.querySelector("th[colspan], th[rowspan]")) {
      continue;
    }
    if (table.scrollWidth <= table.parentElement.clientWidth) {
      continue;  // it fits: a table reads best as a table
    }
    var rows = table.querySelectorAll("tbody tr, tfoot tr");
    for (var r = 0; r < rows.length; r++) {
      var cells = rows[r].cells;
      if (cells.length !== heads.length) {
        continue;
      }
      for (var c = 0; c < cells.length; c++) {
        if (!cells[c].hasAttribute("data-label")) {
          cells[c].setAttribute("data-label", heads[c].textContent.trim());
        }
      }
    }
    table.classList.add("cards");
  }
});
