// The back office's shared look: readable at 1280 px and at 375 px (tables scroll sideways,
// forms stack), visible focus, enough contrast, and custom properties for the colours.
import { css } from "lit";

export const shared = css`
  :host {
    display: block;
    color: var(--tarif-text, #1b1f24);
    font:
      15px/1.45 system-ui,
      sans-serif;
  }
  h1,
  h2,
  h3 {
    line-height: 1.2;
    margin: 0.2em 0 0.6em;
  }
  h1 {
    font-size: 1.5rem;
  }
  h2 {
    font-size: 1.2rem;
    margin-top: 1.2em;
  }
  h3 {
    font-size: 1.05rem;
  }
  section {
    margin-bottom: 1.5rem;
  }
  .table-wrap {
    /* Also the containing block of the screen-reader labels inside, so they scroll with it. */
    position: relative;
    overflow-x: auto;
    max-width: 100%;
  }
  table {
    border-collapse: collapse;
    width: 100%;
  }
  th,
  td {
    text-align: left;
    padding: 0.4rem 0.5rem;
    border-bottom: 1px solid #d5dae0;
    vertical-align: top;
  }
  th {
    font-weight: 600;
    background: #f3f5f7;
  }
  td.num,
  th.num {
    text-align: right;
    white-space: nowrap;
  }
  form,
  fieldset.form {
    display: grid;
    gap: 0.6rem;
    max-width: 40rem;
    grid-template-columns: minmax(0, 1fr);
  }
  fieldset {
    border: 1px solid #d5dae0;
    border-radius: 6px;
    padding: 0.6rem 0.8rem;
  }
  legend {
    font-weight: 600;
    padding: 0 0.3rem;
  }
  label {
    display: grid;
    gap: 0.2rem;
  }
  label.check {
    display: flex;
    gap: 0.5rem;
    align-items: center;
  }
  input,
  select,
  textarea,
  button {
    font: inherit;
  }
  input:not([type="checkbox"]),
  select,
  textarea {
    padding: 0.35rem 0.5rem;
    border: 1px solid #8a949e;
    border-radius: 4px;
    min-width: 0;
    max-width: 100%;
    box-sizing: border-box;
  }
  button,
  a.button {
    display: inline-block;
    padding: 0.4rem 0.8rem;
    border-radius: 4px;
    border: 1px solid var(--tarif-accent, #0b5cad);
    background: var(--tarif-accent, #0b5cad);
    color: #fff;
    cursor: pointer;
    text-decoration: none;
  }
  button.secondary {
    background: #fff;
    color: var(--tarif-accent, #0b5cad);
  }
  button:disabled {
    opacity: 0.55;
    cursor: not-allowed;
  }
  :focus-visible {
    outline: 3px solid #f0a500;
    outline-offset: 2px;
  }
  a {
    color: var(--tarif-accent, #0b5cad);
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: end;
  }
  .notice {
    padding: 0.5rem 0.75rem;
    border-radius: 4px;
    background: #e7f4ea;
    border: 1px solid #2e7d32;
  }
  .notice.error {
    background: #fdecea;
    border-color: #b3261e;
  }
  .muted {
    color: #4f5862;
  }
  .field-error {
    color: #b3261e;
    font-weight: 600;
  }
  input[aria-invalid="true"] {
    border-color: #b3261e;
  }
  .badge {
    display: inline-block;
    padding: 0 0.4rem;
    border-radius: 3px;
    background: #e8ecf0;
    font-size: 0.85em;
  }
  dl.facts {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: 0.25rem 1rem;
  }
  dl.facts dt {
    font-weight: 600;
  }
  dl.facts dd {
    margin: 0;
  }
  @media (max-width: 600px) {
    dl.facts {
      grid-template-columns: 1fr;
    }
    th,
    td {
      padding: 0.3rem;
    }
  }
`;

/** Text for screen readers only, e.g. which row a repeated "Open" link belongs to. */
export const srOnly = css`
  .skip-label {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
`;
