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
