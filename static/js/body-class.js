// Replaces the inline script from GOV.UK Frontend's page template, so the
// Content Security Policy does not need 'unsafe-inline' or a nonce.
// Load it as a classic (non-module, non-deferred) script as the first child of
// <body>, so the classes are set before the page is painted.
document.body.className +=
  ' js-enabled' +
  ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
