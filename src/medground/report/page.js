// The gallery's filters: a card is shown when it matches every chosen value. Cards and options
// carry generated tokens only (m0, l3, ...), never text from the data.
(function () {
  "use strict";
  var selects = Array.prototype.slice.call(document.querySelectorAll("select[data-filter]"));
  var cards = Array.prototype.slice.call(document.querySelectorAll(".card"));
  var shown = document.getElementById("shown");

  function matches(card, key, want) {
    if (want === "") {
      return true;
    }
    if (key === "labels") {
      return (" " + card.dataset.labels + " ").indexOf(" " + want + " ") >= 0;
    }
    if (key === "verdict") {
      return card.dataset.verdict === want || card.dataset.reason === want;
    }
    return card.dataset[key] === want;
  }

  function apply() {
    var visible = 0;
    cards.forEach(function (card) {
      var ok = selects.every(function (s) {
        return matches(card, s.dataset.filter, s.value);
      });
      card.hidden = !ok;
      if (ok) {
        visible += 1;
      }
    });
    if (shown) {
      shown.textContent = String(visible);
    }
  }

  selects.forEach(function (s) {
    s.addEventListener("change", apply);
  });
  var reset = document.getElementById("reset");
  if (reset) {
    reset.addEventListener("click", function () {
      selects.forEach(function (s) {
        s.value = "";
      });
      apply();
    });
  }
  apply();
})();
