// pmsite search: filters the prebuilt search.json in the browser. Without JavaScript
// the search page lists everything, so nothing depends on this file.
(function () {
  "use strict";
  var form = document.querySelector(".search-form");
  if (!form || !window.fetch) return;
  var input = document.getElementById("pm--search-input");
  var results = document.getElementById("pm--search-results");
  var status = document.getElementById("pm--search-status");
  var all = document.getElementById("pm--search-all");
  var root = form.getAttribute("data-root");
  var entries = [];

  function words(text) {
    return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  }

  function score(entry, terms) {
    var title = entry.title.toLowerCase();
    var rest = (entry.summary + " " + entry.text).toLowerCase();
    var total = 0;
    for (var i = 0; i < terms.length; i++) {
      if (title.indexOf(terms[i]) !== -1) total += 3;
      else if (rest.indexOf(terms[i]) !== -1) total += 1;
      else return 0;
    }
    return total;
  }

  function show() {
    var terms = words(input.value);
    results.textContent = "";
    if (!terms.length) {
      results.hidden = true;
      all.hidden = false;
      status.textContent = "";
      return;
    }
    var found = entries
      .map(function (entry) { return { entry: entry, score: score(entry, terms) }; })
      .filter(function (hit) { return hit.score > 0; })
      .sort(function (a, b) { return b.score - a.score; });
    found.slice(0, 50).forEach(function (hit) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = root + hit.entry.url;
      link.textContent = hit.entry.title;
      var kind = document.createElement("span");
      kind.className = "meta";
      kind.textContent = " " + hit.entry.kind;
      item.appendChild(link);
      item.appendChild(kind);
      if (hit.entry.summary) {
        var summary = document.createElement("p");
        summary.textContent = hit.entry.summary;
        item.appendChild(summary);
      }
      results.appendChild(item);
    });
    results.hidden = false;
    all.hidden = true;
    status.textContent = found.length + (found.length === 1 ? " result" : " results");
  }

  fetch(form.getAttribute("data-index"))
    .then(function (response) { return response.json(); })
    .then(function (data) {
      entries = data;
      form.hidden = false;
      var query = new URLSearchParams(location.search).get("q");
      if (query) input.value = query;
      input.addEventListener("input", show);
      form.addEventListener("submit", function (event) { event.preventDefault(); show(); });
      show();
    });
}());
