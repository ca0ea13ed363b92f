// GOV.UK's skip link moves focus to <main> by following its #main-content link, which leaves
// that fragment in the address. Our forms post to the page's own address (they have no
// action), so the page that answers (an error page among them) would open at the fragment,
// and focus would not start at its error summary. Once the link has done its work, the
// fragment is dropped from the address; focus and scroll stay where they are.
export function initSkipLinkAddress() {
  const link = document.querySelector('.govuk-skip-link');
  if (!(link instanceof HTMLAnchorElement)) return;
  window.addEventListener('hashchange', () => {
    if (window.location.hash === link.hash) {
      const { pathname, search } = window.location;
      window.history.replaceState(window.history.state, '', pathname + search);
    }
  });
}
