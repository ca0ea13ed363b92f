// The support desk's window monitor: refresh the counts without reloading the page.
// The page works without this file (it shows the counts as at page load, with a Refresh
// link). With it, we fetch the page's JSON every 30 seconds (60 once the window has closed)
// and update every element marked data-monitor="england.returned", "areas.<ONS code>.nil",
// and so on, and rebuild the hour-by-hour table. Loaded as a module (strict CSP: no inline
// script); it only ever sets textContent, never HTML.
const root = document.querySelector('[data-module="window-monitor"]');

if (root) {
  const url = root.getAttribute('data-monitor-url');
  const every = Math.max(30, Number(root.getAttribute('data-monitor-every')) || 30) * 1000;
  const format = (value) => (typeof value === 'number' ? value.toLocaleString('en-GB') : String(value));

  const lookup = (data, path) => {
    // "areas.E08000035.full": the ONS code is one key, so split on the first and last dot only.
    const parts = path.split('.');
    if (parts[0] === 'areas' && parts.length === 3) {
      const area = data.areas[parts[1]];
      return area ? area[parts[2]] : undefined;
    }
    return parts.reduce((value, key) => (value == null ? undefined : value[key]), data);
  };

  const cell = (tag, text, className) => {
    const element = document.createElement(tag);
    if (tag === 'th') element.setAttribute('scope', 'row');
    if (className) element.className = className;
    element.textContent = text;
    return element;
  };

  const showHours = (hours) => {
    const body = root.querySelector('[data-monitor-hours]');
    if (!body || !hours.length) return;
    const rows = hours.map((hour) => {
      const row = document.createElement('tr');
      row.append(
        cell('th', hour.label),
        ...['full', 'unchanged', 'nil', 'returned', 'missing'].map((key) => cell('td', format(hour[key]), 'num')),
      );
      return row;
    });
    body.replaceChildren(...rows);
  };

  const show = (data) => {
    root.querySelectorAll('[data-monitor]').forEach((element) => {
      const value = lookup(data, element.getAttribute('data-monitor'));
      if (value !== undefined && value !== null) element.textContent = format(value);
    });
    showHours(data.hours || []);
    const updated = root.querySelector('[data-monitor-updated]');
    if (updated && data.generated_label) updated.textContent = data.generated_label;
  };

  const poll = async () => {
    try {
      const response = await fetch(url, {
        // Marked as a background refresh: it must not count as the person being active, or
        // a monitor left open would keep a staff session from ever timing out.
        headers: { Accept: 'application/json', 'X-Background-Refresh': '1' },
        credentials: 'same-origin',
        cache: 'no-store',
      });
      if (response.ok) show(await response.json());
    } catch (error) {
      // A network blip: try again on the next tick; the Refresh link still works.
    }
    window.setTimeout(poll, every);
  };

  window.setTimeout(poll, every);
}
