// Live progress for a CSV upload being checked or saved by the worker.
// The page works without this file: its Refresh button reloads it. With it, we poll the
// upload's JSON endpoint, update the count and the <progress> bar, and reload the page when
// the work is done so that it shows the result. Loaded as a module, like init.js (strict CSP:
// no inline script).
const box = document.querySelector('[data-module="app-bulk-progress"]');

if (box) {
  const url = box.getAttribute('data-progress-url');
  const text = box.querySelector('[data-progress-text]');
  const bar = box.querySelector('progress');
  const every = 1500;
  let last = -1;

  const show = (data) => {
    // Only the check counts rows; a save is one transaction, done all at once.
    if (data.status !== 'checking' || !bar || data.rows_checked === last) return;
    last = data.rows_checked;
    bar.max = Math.max(data.rows_total, 1);
    bar.value = data.rows_checked;
    bar.textContent = `${data.rows_checked} of ${data.rows_total}`;
    if (text) {
      const format = (n) => n.toLocaleString('en-GB');
      text.textContent = `${format(data.rows_checked)} of ${format(data.rows_total)} rows checked.`;
    }
  };

  const poll = async () => {
    try {
      const response = await fetch(url, {
        headers: { Accept: 'application/json' },
        credentials: 'same-origin',
        cache: 'no-store',
      });
      if (response.ok) {
        const data = await response.json();
        if (!data.in_progress) {
          window.location.reload();
          return;
        }
        show(data);
      }
    } catch (error) {
      // A network blip: try again on the next tick; the Refresh button still works.
    }
    window.setTimeout(poll, every);
  };

  window.setTimeout(poll, every);
}
