// Initialise all GOV.UK Frontend components on the page.
// Loaded with <script type="module">, so it only runs in browsers that
// GOV.UK Frontend supports (those also get the govuk-frontend-supported class).
import { initAll } from '../govuk-frontend/govuk-frontend.min.js';

initAll();
