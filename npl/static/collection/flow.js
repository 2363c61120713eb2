// 处置 forms: show the promise fields only when the outcome is 承诺还款 (or already filled), and the
// 借新还旧 fields only for that channel. Without JavaScript every field simply stays visible.
(function () {
  function bind(selectName, fieldsetSelector) {
    var select = document.querySelector('select[name="' + selectName + '"]');
    var box = document.querySelector(fieldsetSelector);
    if (!select || !box) { return; }
    var wanted = box.getAttribute("data-show-for");
    function filled() {
      var inputs = box.querySelectorAll("input");
      for (var i = 0; i < inputs.length; i++) {
        if ((inputs[i].type === "checkbox" && inputs[i].checked) || (inputs[i].type !== "checkbox" && inputs[i].value)) { return true; }
      }
      return false;
    }
    function update() { box.hidden = select.value !== wanted && !filled(); }
    select.addEventListener("change", update);
    update();
  }
  bind("outcome_code", ".promise-fields");
  bind("channel", ".refinance-fields");
})();
