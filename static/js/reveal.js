// Conditional reveals for GOV.UK radios: the block of follow-up questions under an option is
// shown only while that option is chosen. GOV.UK Frontend's own radios script does the same,
// but it also puts aria-expanded on the radio, which ARIA does not allow on a radio (axe-core's
// aria-allowed-attr, critical; alphagov/govuk-frontend#979), so our radios carry
// data-reveals="<block id>" in place of its data-aria-controls and this script toggles only the
// hidden class. The block sits straight after its option in the page, so a screen reader meets
// it next. Without JavaScript (no govuk-frontend-supported class) GOV.UK's CSS never hides it.
const HIDDEN = {
  'govuk-radios__conditional': 'govuk-radios__conditional--hidden',
  'govuk-checkboxes__conditional': 'govuk-checkboxes__conditional--hidden',
};

function syncReveal(input) {
  const block = document.getElementById(input.dataset.reveals);
  if (!block) return;
  for (const [conditional, hidden] of Object.entries(HIDDEN)) {
    if (block.classList.contains(conditional)) block.classList.toggle(hidden, !input.checked);
  }
}

export function initReveals() {
  const inputs = document.querySelectorAll('input[data-reveals]');
  inputs.forEach(syncReveal);
  // Choosing another radio in the group does not fire change on the one unchosen, so every
  // change re-checks every revealing input (a handful per page).
  document.addEventListener('change', (event) => {
    if (event.target instanceof HTMLInputElement) inputs.forEach(syncReveal);
  });
}
