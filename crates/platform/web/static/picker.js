// Progressive enhancement of the address picker (templates/_unit_picker.html): a type-ahead
// over /api/v1/units. Without this script the cascading selects do the same job.
(function () {
  "use strict";
  document.querySelectorAll(".unit-picker").forEach(function (picker) {
    var box = picker.querySelector("[data-unit-typeahead]");
    var list = picker.querySelector("datalist");
    var wrapper = box && box.closest(".js-only");
    if (!box || !list || !wrapper) return;
    wrapper.hidden = false;
    var country = picker.getAttribute("data-country");
    var found = {};
    var timer = null;
    box.addEventListener("input", function () {
      var chosen = found[box.value];
      if (chosen) {
        var form = picker.closest("form");
        var province = picker.querySelector("select[name=province]");
        province.value = chosen.province;
        var commune = form.querySelector("input[name=commune][type=hidden]") || document.createElement("input");
        commune.type = "hidden"; commune.name = "commune"; commune.value = chosen.ref;
        form.appendChild(commune);
        form.submit();
        return;
      }
      clearTimeout(timer);
      if (box.value.trim().length < 2) return;
      timer = setTimeout(function () {
        var url = "/api/v1/units?level=commune&limit=15&country=" + encodeURIComponent(country) +
          "&q=" + encodeURIComponent(box.value);
        fetch(url, { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { units: [] }; })
          .then(function (data) {
            list.textContent = "";
            found = {};
            data.units.concat(data.suggestions || []).forEach(function (u) {
              var label = u.name + ", " + u.within.join(", ");
              var top = u.within.length ? u.within[u.within.length - 1] : "";
              found[label] = { ref: u.ref, province: provinceRef(picker, top) };
              var option = document.createElement("option");
              option.value = label;
              list.appendChild(option);
            });
          });
      }, 200);
    });
  });
  function provinceRef(picker, name) {
    var options = picker.querySelectorAll("select[name=province] option");
    for (var i = 0; i < options.length; i++) {
      if (options[i].textContent === name) return options[i].value;
    }
    return "";
  }
})();
