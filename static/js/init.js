// Initialise all GOV.UK Frontend components on the page, our conditional reveals, and the
// skip link's address clean-up. Loaded with <script type="module">, so it only runs in
// browsers that GOV.UK Frontend supports (those also get the govuk-frontend-supported class).
import { initAll } from '../govuk-frontend/govuk-frontend.min.js';
import { initReveals } from './reveal.js';
import { initSkipLinkAddress } from './skip-link.js';

initAll();
initReveals();
initSkipLinkAddress();
