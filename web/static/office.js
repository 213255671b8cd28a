// Conectados · oficina digital. No build step: plain JavaScript, loaded with defer.
"use strict";

// Keyboard shortcuts: an element with data-key="a" is clicked (or focused, for a field)
// when that key is pressed outside a text field. "?" lists them.
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target.closest("input, textarea, select, [contenteditable]")) {
    if (event.key === "Escape") target.blur();
    return;
  }
  const element = document.querySelector(`[data-key="${CSS.escape(event.key)}"]`);
  if (!element) return;
  event.preventDefault();
  if (element.matches("input, textarea, select")) element.focus();
  else element.click();
});

// Confirmation before something that cannot be undone: data-confirm="¿Seguro?" on the
// button or the form, or data-confirm-if-checked on a checkbox of the form.
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const checked = event.target.querySelector("[data-confirm-if-checked]:checked");
  const question = (button && button.dataset.confirm) || event.target.dataset.confirm
    || (checked && checked.dataset.confirmIfChecked);
  if (question && !window.confirm(question)) event.preventDefault();
});

// What another person does shows within seconds: the page asks /cambios every few seconds
// for the office's change mark; when it moves, a list reloads itself and a case page says so.
(function watchChanges() {
  const mode = document.body.dataset.refresh;
  if (!mode) return;
  // A case page watches only its own reply; a list, the whole office.
  const only = document.body.dataset.watch;
  const address = only ? `/cambios?respuesta=${encodeURIComponent(only)}` : "/cambios";
  let seen = null;
  async function check() {
    try {
      const answer = await fetch(address, { credentials: "same-origin", cache: "no-store" });
      if (!answer.ok) return;
      const { marca } = await answer.json();
      if (seen === null) seen = marca;
      else if (marca !== seen) {
        const typing = document.activeElement && document.activeElement.matches("textarea, input");
        if (mode === "lista" && !typing) window.location.reload();
        else document.querySelector(".changed").hidden = false;
        seen = marca;
      }
    } catch (error) { /* offline for a moment: try again next time */ }
  }
  check();
  setInterval(check, 3000);
})();
