// Upload form: the dry run can take a few seconds; say so and stop a second submit.
// Loaded as a file because the CSP forbids inline scripts.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.classList || !form.classList.contains("upload-form")) {
    return;
  }
  var button = form.querySelector("button[type=submit]");
  if (button) {
    button.disabled = true;
    button.textContent = form.getAttribute("data-busy") || "请稍候…";
  }
});
