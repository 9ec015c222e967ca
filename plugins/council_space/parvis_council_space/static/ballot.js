/* The participatory-budget ballot, made smoother: adding or removing a project, and typing
   points, update the ballot and its running total in the page instead of a round trip.
   Without this file the same form works by posting each action (see vote_views.py).
   Anything the call's rules refuse is left to the server, which answers beside the project. */
(function () {
  "use strict";
  var form = document.getElementById("ballot-form");
  var bar = document.getElementById("ballot-total");
  if (!form || !bar) return;
  document.documentElement.classList.add("js");

  var rule = form.dataset.rule;
  var budget = Number(form.dataset.budget);
  var maxProjects = Number(form.dataset.maxProjects);
  var maxPoints = Number(form.dataset.maxPoints);
  var store = document.getElementById("ballot-chosen");
  var live = document.getElementById("ballot-live");
  var lang = document.documentElement.lang || "fr";
  var money = new Intl.NumberFormat(lang, { style: "currency", currency: "EUR" });
  var number = new Intl.NumberFormat(lang);

  function cards() {
    return Array.prototype.slice.call(form.querySelectorAll(".ballot-card"));
  }

  function cardOf(id) {
    return document.getElementById("project-" + id);
  }

  /* {id: points} of the ballot as it stands in the page, in the form's order. */
  function choices() {
    var found = {};
    var order = [];
    if (rule === "cumulative") {
      form.querySelectorAll("input[name^='points-']").forEach(function (input) {
        var id = input.name.slice(7);
        var value = input.value.trim();
        if (/^[0-9]{1,4}$/.test(value) && Number(value) > 0) {
          found[id] = Number(value);
          order.push(id);
        }
      });
    } else {
      store.querySelectorAll("input[name='idea']").forEach(function (input) {
        found[input.value] = 1;
        order.push(input.value);
      });
    }
    return { points: found, order: order };
  }

  function param(current) {
    return current.order.map(function (id) {
      return rule === "cumulative" ? id + ":" + current.points[id] : id;
    }).join(",");
  }

  /* Chosen projects the filters hide are not in the page: their cost is what the server's
     total (data-cost) has beyond the chosen cards shown. */
  var hiddenCost = (function () {
    var shown = 0;
    choices().order.forEach(function (id) {
      var card = cardOf(id);
      if (card) shown += Number(card.dataset.cost);
    });
    return Number(bar.dataset.cost || 0) - shown;
  })();

  function totals() {
    var current = choices();
    var count = 0;
    var cost = hiddenCost;
    var points = 0;
    current.order.forEach(function (id) {
      var card = cardOf(id);
      count += 1;
      points += current.points[id];
      if (card) cost += Number(card.dataset.cost);
    });
    return { count: count, cost: cost, points: points, current: current };
  }

  function show(t, initial) {
    var set = function (name, text) {
      var el = bar.querySelector("[data-field='" + name + "']");
      if (el) el.textContent = text;
    };
    var used;
    var limit;
    if (rule === "approval") {
      used = t.count; limit = maxProjects;
      set("count", number.format(t.count));
      set("cost", money.format(t.cost));
    } else if (rule === "knapsack") {
      used = t.cost; limit = budget;
      set("cost", money.format(t.cost));
      set("left", money.format(Math.max(budget - t.cost, 0)));
    } else {
      used = t.points; limit = maxPoints;
      set("points", number.format(t.points));
      set("left", number.format(Math.max(maxPoints - t.points, 0)));
    }
    bar.classList.toggle("is-over", used > limit);
    var progress = bar.querySelector("progress");
    if (progress) progress.value = Math.min(used, limit);
    var value = param(t.current);
    document.querySelectorAll("[data-ballot-choices]").forEach(function (input) { input.value = value; });
    document.querySelectorAll("a[data-keep-choices]").forEach(function (link) {
      link.href = link.href.replace(/([?&]choices=)[^&#]*/, "$1" + encodeURIComponent(value));
    });
    if (!initial && window.history && history.replaceState) {
      var url = new URL(window.location.href);
      url.searchParams.set("choices", value);
      url.hash = "";
      history.replaceState(null, "", url.toString());
    }
  }

  function say(template, title) {
    live.textContent = "";
    window.setTimeout(function () { live.textContent = template.replace("{title}", title); }, 50);
  }

  function toggle(button, adding) {
    var card = button.closest(".ballot-card");
    var id = button.value;
    if (adding) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "idea";
      input.value = id;
      store.appendChild(input);
    } else {
      store.querySelectorAll("input[name='idea']").forEach(function (input) {
        if (input.value === id) input.remove();
      });
    }
    button.name = adding ? "remove" : "add";
    button.classList.toggle("secondary", adding);
    button.querySelector(".ballot-toggle-label").textContent =
      adding ? form.dataset.removeLabel : form.dataset.addLabel;
    button.removeAttribute("aria-describedby");
    card.classList.toggle("is-chosen", adding);
    card.querySelector(".ballot-badge").hidden = !adding;
    var error = card.querySelector(".error");
    if (error) error.remove();
    show(totals());
    say(adding ? form.dataset.added : form.dataset.removed, card.dataset.title);
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button.ballot-toggle");
    if (!button) return;
    var adding = button.name === "add";
    if (adding) {
      var t = totals();
      var cost = Number(button.closest(".ballot-card").dataset.cost);
      var refused = (rule === "approval" && t.count >= maxProjects) ||
        (rule === "knapsack" && t.cost + cost > budget);
      if (refused) return; /* the server says why, beside this project */
    }
    event.preventDefault();
    toggle(button, adding);
  });

  form.addEventListener("input", function (event) {
    if (event.target.name && event.target.name.indexOf("points-") === 0) show(totals());
  });

  document.querySelectorAll("[data-nojs]").forEach(function (el) { el.hidden = true; });
  show(totals(), true);
})();
