// bilan: progressive enhancement only; every page works without this script.
// Live subtotals of the financial annex: recomputed as amounts are typed.
(function () {
  "use strict";
  function parseAmount(text) {
    var t = String(text || "").replace(/€|EUR/g, "").replace(/[\s\u00a0\u202f]/g, "");
    if (t === "" || t === "-") { return 0; }
    if (t.indexOf(",") >= 0) { t = t.replace(/\./g, "").replace(",", "."); }
    else if (/^\d{1,3}(\.\d{3})+$/.test(t)) { t = t.replace(/\./g, ""); }
    if (!/^\d+(\.\d{1,2})?$/.test(t)) { return null; }
    var parts = t.split(".");
    var cents = parseInt(parts[0], 10) * 100;
    if (parts.length > 1) { cents += parseInt((parts[1] + "0").slice(0, 2), 10); }
    return cents;
  }
  function format(cents) {
    var euros = Math.floor(cents / 100);
    var rest = String(cents % 100);
    if (rest.length < 2) { rest = "0" + rest; }
    var s = String(euros).replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f");
    return s + "," + rest + "\u00a0€";
  }
  function recompute(table) {
    var cols = ["inscrit", "realise", "report"];
    var totals = {};
    var bad = false;
    table.querySelectorAll("tbody[data-groupe]").forEach(function (group) {
      var sums = {};
      cols.forEach(function (c) { sums[c] = 0; });
      group.querySelectorAll("input[data-col]").forEach(function (input) {
        var v = parseAmount(input.value);
        if (v === null) { bad = true; input.setAttribute("aria-invalid", "true"); return; }
        input.removeAttribute("aria-invalid");
        sums[input.getAttribute("data-col")] += v;
      });
      cols.forEach(function (c) {
        var cell = group.querySelector("[data-sous-total='" + c + "']");
        if (cell) { cell.textContent = format(sums[c]); }
        totals[c] = (totals[c] || 0) + sums[c];
      });
    });
    cols.forEach(function (c) {
      var cell = table.querySelector("[data-total='" + c + "']");
      if (cell) { cell.textContent = format(totals[c] || 0); }
    });
    var note = document.getElementById("annexe-calcul");
    if (note) { note.textContent = bad ? "Un montant saisi n’est pas lisible : les sous-totaux l’ignorent." : ""; }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var table = document.getElementById("table-annexe");
    if (!table) { return; }
    table.addEventListener("input", function () { recompute(table); });
  });
})();
