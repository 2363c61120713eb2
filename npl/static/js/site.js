// Site-wide behaviour, loaded as a file because the CSP forbids inline scripts.
// A form with data-confirm asks before it is sent (revealing a full ID number is logged).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
