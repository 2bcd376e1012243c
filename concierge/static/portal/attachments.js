// Drag and drop onto a file input's box ([data-file-drop]): the dropped files join those
// chosen in the input, which the form sends as usual. Without scripts the plain input
// works alone. Loaded once per page even when several forms include it.
(function () {
  if (window.portalFileDrop) return;
  window.portalFileDrop = true;

  function inputOf(box) { return box.querySelector("input[type=file]"); }

  function add(input, files) {
    var all = new DataTransfer();
    Array.prototype.forEach.call(input.files, function (file) { all.items.add(file); });
    Array.prototype.forEach.call(files, function (file) { all.items.add(file); });
    input.files = all.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  document.addEventListener("dragover", function (event) {
    var box = event.target.closest && event.target.closest("[data-file-drop]");
    if (!box || !inputOf(box)) return;
    event.preventDefault();
    box.classList.add("dragging");
  });
  document.addEventListener("dragleave", function (event) {
    var box = event.target.closest && event.target.closest("[data-file-drop]");
    if (box && !box.contains(event.relatedTarget)) box.classList.remove("dragging");
  });
  document.addEventListener("drop", function (event) {
    var box = event.target.closest && event.target.closest("[data-file-drop]");
    if (!box || !inputOf(box) || !event.dataTransfer || !event.dataTransfer.files.length) return;
    event.preventDefault();
    box.classList.remove("dragging");
    add(inputOf(box), event.dataTransfer.files);
  });
})();
