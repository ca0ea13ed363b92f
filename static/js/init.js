// Initialise all GOV.UK Frontend components on the page, and our conditional reveals.
// Loaded with <script type="module">, so it only runs in browsers that
// GOV.UK Frontend supports (those also get the govuk-frontend-supported class).
import { initAll } from '../govuk-frontend/govuk-frontend.min.js';
import { initReveals } from './reveal.js';

initAll();
initReveals();
