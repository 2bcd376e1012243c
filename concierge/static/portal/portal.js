// Copy buttons: <button data-copy="input-id">. Works without it too: the field is selectable.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var field = document.getElementById(button.dataset.copy);
  field.select();
  if (navigator.clipboard) {
    navigator.clipboard.writeText(field.value).catch(function () {});
  }
});

// The running timer's elapsed time (h:mm:ss), kept current every second; without it the
// page shows the figure it was served with (h:mm).
function tick() {
  document.querySelectorAll("[data-started]").forEach(function (clock) {
    var seconds = Math.max(0, Math.floor((Date.now() - Number(clock.dataset.started)) / 1000));
    var minutes = Math.floor(seconds / 60);
    clock.textContent = Math.floor(minutes / 60) + ":" + String(minutes % 60).padStart(2, "0") +
      ":" + String(seconds % 60).padStart(2, "0");
  });
}
setInterval(tick, 1000);
document.addEventListener("htmx:afterSwap", tick);

// Revealed vault values: "Hide" takes them off the page; leaving the page does too, so
// Back or a restored tab never shows them again.
function hideSecrets(box) {
  box.querySelectorAll("[data-secret]").forEach(function (field) { field.value = ""; });
  var note = document.createElement("p");
  note.textContent = box.dataset.hiddenText || "";
  box.replaceChildren(note);
}
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-hide]");
  if (!button) return;
  hideSecrets(document.getElementById(button.dataset.hide));
});
window.addEventListener("pagehide", function () {
  document.querySelectorAll("[data-secret-box]").forEach(hideSecrets);
});

// Print buttons: <button data-print>. No inline handler (Content-Security-Policy).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
});
