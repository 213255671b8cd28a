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

// Confirmation for destructive buttons: data-confirm="¿Seguro?".
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const question = (button && button.dataset.confirm) || event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});

// What another person does shows within seconds: the page asks /cambios every few seconds
// for the office's change mark; when it moves, a list reloads itself and a case page says so.
(function watchChanges() {
  const mode = document.body.dataset.refresh;
  if (!mode) return;
  let seen = null;
  async function check() {
    try {
      const answer = await fetch("/cambios", { credentials: "same-origin", cache: "no-store" });
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
