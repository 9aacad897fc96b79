// The widget's shadow-DOM styles. Merchants theme it only through the `--ssp-*` custom
// properties below and the `::part()` names in the markup; no style leaks in or out.
import { css } from "lit";

export const styles = css`
  :host {
    display: block;
    color: var(--ssp-color-text, #1f2328);
    background: var(--ssp-color-surface, #ffffff);
    font-family: var(--ssp-font-family, system-ui, sans-serif);
    font-size: var(--ssp-font-size, 1rem);
    line-height: 1.5;
  }
  :host([hidden]) {
    display: none;
  }
  .base {
    max-width: var(--ssp-max-width, 48rem);
    padding: var(--ssp-space, 1rem);
  }
  h2 {
    font-size: 1.4em;
    margin: 0.5em 0;
  }
  h3 {
    font-size: 1.1em;
    margin: 1.2em 0 0.4em;
  }
  h2:focus,
  .result:focus {
    outline: none;
  }
  h2:focus-visible,
  .result:focus-visible {
    outline: 2px solid var(--ssp-color-focus, var(--ssp-color-primary, #0b57d0));
    outline-offset: 2px;
  }
  nav {
    display: flex;
    gap: 0.5em;
    border-bottom: 1px solid var(--ssp-color-border, #d0d7de);
    margin-bottom: var(--ssp-space, 1rem);
  }
  nav button {
    border: 0;
    border-bottom: 3px solid transparent;
    border-radius: 0;
    background: none;
    color: inherit;
  }
  nav button[aria-current="page"] {
    border-bottom-color: var(--ssp-color-primary, #0b57d0);
    font-weight: 600;
  }
  button {
    font: inherit;
    cursor: pointer;
    padding: 0.45em 0.9em;
    border-radius: var(--ssp-radius, 6px);
    border: 1px solid var(--ssp-color-border, #d0d7de);
    background: var(--ssp-color-surface-alt, #f6f8fa);
    color: var(--ssp-color-text, #1f2328);
  }
  button.primary {
    background: var(--ssp-color-primary, #0b57d0);
    border-color: var(--ssp-color-primary, #0b57d0);
    color: var(--ssp-color-on-primary, #ffffff);
  }
  button.danger {
    background: var(--ssp-color-danger, #b42318);
    border-color: var(--ssp-color-danger, #b42318);
    color: var(--ssp-color-on-danger, #ffffff);
  }
  button.link {
    border: 0;
    background: none;
    padding: 0.2em 0;
    color: var(--ssp-color-primary, #0b57d0);
    text-decoration: underline;
  }
  button.small {
    padding: 0.2em 0.6em;
    font-size: 0.9em;
  }
  button[aria-disabled="true"] {
    opacity: 0.65;
    cursor: progress;
  }
  button:focus-visible,
  input:focus-visible,
  .table-wrap:focus-visible {
    outline: 2px solid var(--ssp-color-focus, var(--ssp-color-primary, #0b57d0));
    outline-offset: 2px;
  }
  .cards {
    list-style: none;
    padding: 0;
    margin: 0;
    display: grid;
    gap: var(--ssp-space, 1rem);
    grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr));
  }
  .card {
    border: 1px solid var(--ssp-color-border, #d0d7de);
    border-radius: var(--ssp-radius, 6px);
    padding: var(--ssp-space, 1rem);
  }
  .card h3 {
    margin-top: 0;
  }
  .facts {
    display: grid;
    gap: 0.25em;
    margin: 0.75em 0;
  }
  .facts div {
    display: flex;
    flex-wrap: wrap;
    gap: 0 0.5em;
  }
  .facts dt {
    color: var(--ssp-color-muted, #57606a);
  }
  .facts dt::after {
    content: ":";
  }
  .facts dd {
    margin: 0;
  }
  .badge {
    display: inline-block;
    padding: 0 0.5em;
    border: 1px solid currentColor;
    border-radius: 999px;
    font-size: 0.85em;
  }
  .badge-active {
    color: var(--ssp-color-success, #1a7f37);
  }
  .badge-cancellation_pending,
  .badge-ended {
    color: var(--ssp-color-muted, #57606a);
  }
  .muted {
    color: var(--ssp-color-muted, #57606a);
  }
  table {
    width: 100%;
    border-collapse: collapse;
    margin: 0.5em 0;
  }
  th,
  td {
    text-align: left;
    padding: 0.4em 0.5em;
    border-bottom: 1px solid var(--ssp-color-border, #d0d7de);
    vertical-align: top;
  }
  tbody th {
    font-weight: normal;
  }
  .num {
    text-align: right;
    font-variant-numeric: tabular-nums;
  }
  td.num {
    white-space: nowrap;
  }
  .table-wrap {
    overflow-x: auto;
    /* The stacked tables below follow the widget's width, not the page's. */
    container-type: inline-size;
  }
  @container (max-width: 36rem) {
    table.stack thead {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip-path: inset(50%);
    }
    table.stack tr {
      display: block;
      padding: 0.5em 0;
      border-bottom: 1px solid var(--ssp-color-border, #d0d7de);
    }
    table.stack th,
    table.stack td {
      display: flex;
      justify-content: space-between;
      gap: 1em;
      border: 0;
      padding: 0.15em 0.5em;
      text-align: left;
    }
    table.stack tbody th {
      font-weight: 700;
    }
    table.stack td::before {
      content: attr(data-label);
      color: var(--ssp-color-muted, #57606a);
    }
  }
  tr.total th,
  tr.total td {
    font-weight: 700;
  }
  .row-actions {
    text-align: right;
  }
  .row-actions button {
    margin: 0 0 0.25em 0.25em;
  }
  .plain {
    list-style: none;
    padding: 0;
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    justify-content: space-between;
    align-items: center;
    gap: 0.5em;
    padding: 0.4em 0;
    border-bottom: 1px solid var(--ssp-color-border, #d0d7de);
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5em;
    margin-top: var(--ssp-space, 1rem);
  }
  fieldset {
    border: 1px solid var(--ssp-color-border, #d0d7de);
    border-radius: var(--ssp-radius, 6px);
    margin: 0 0 var(--ssp-space, 1rem);
  }
  legend {
    font-weight: 600;
  }
  .choice {
    display: flex;
    gap: 0.5em;
    align-items: baseline;
    padding: 0.25em 0;
  }
  .field {
    display: flex;
    flex-direction: column;
    gap: 0.2em;
    margin-bottom: var(--ssp-space, 1rem);
  }
  .nested {
    margin: 0.25em 0 0.5em 1.6em;
  }
  input[type="number"],
  input[type="date"] {
    font: inherit;
    max-width: 12em;
    padding: 0.3em;
    border: 1px solid var(--ssp-color-border, #d0d7de);
    border-radius: var(--ssp-radius, 6px);
  }
  input[type="text"] {
    font: inherit;
    width: 100%;
    max-width: 24em;
    box-sizing: border-box;
    padding: 0.3em;
    border: 1px solid var(--ssp-color-border, #d0d7de);
    border-radius: var(--ssp-radius, 6px);
  }
  code {
    font-size: 0.95em;
    overflow-wrap: anywhere;
    min-width: 0;
  }
  .field p {
    margin: 0;
    font-size: 0.9em;
  }
  .consent {
    font-size: 0.9em;
    border-left: 3px solid var(--ssp-color-border, #d0d7de);
    padding-left: 0.75em;
    margin: 0 0 0.5em;
  }
  .amount {
    font-size: 1.3em;
  }
  input[aria-invalid="true"] {
    border-color: var(--ssp-color-danger, #b42318);
  }
  .field-error,
  .error {
    color: var(--ssp-color-danger, #b42318);
  }
  .error {
    border: 1px solid currentColor;
    border-radius: var(--ssp-radius, 6px);
    padding: 0.5em 0.75em;
    margin: 0.5em 0;
  }
  .error p {
    margin: 0.25em 0;
  }
  .notice {
    border-left: 3px solid var(--ssp-color-primary, #0b57d0);
    padding-left: 0.75em;
  }
  .result {
    border: 1px solid var(--ssp-color-success, #1a7f37);
    border-radius: var(--ssp-radius, 6px);
    padding: var(--ssp-space, 1rem);
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    padding: 0;
    margin: -1px;
    overflow: hidden;
    clip: rect(0, 0, 0, 0);
    white-space: nowrap;
    border: 0;
  }
`;
